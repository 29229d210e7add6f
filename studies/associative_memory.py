"""The associative-memory comparison: `python studies/associative_memory.py --profile quick --out DIR`.

The same as `neurogen study associative --profile quick --out DIR`; the study itself is
`neurogen/studies/associative.py`.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "associative", *sys.argv[1:]]))
