"""Fig. 7 of the paper (generalization against Nz): `python studies/fig7_generalization.py --profile quick --out DIR`.

The same as `neurogen study fig7 --profile quick --out DIR`; the study itself is
`neurogen/studies/fig7.py`.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "fig7", *sys.argv[1:]]))
