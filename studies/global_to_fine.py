"""Global before fine: `python studies/global_to_fine.py --profile quick --out DIR`.

The same as `neurogen study global_to_fine --profile quick --out DIR`; the study itself is
`neurogen/studies/global_to_fine.py`.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "global_to_fine", *sys.argv[1:]]))
