"""Attractors of repeated inference: `python studies/attractors.py --profile quick --out DIR`.

The same as `neurogen study attractors --profile quick --out DIR`; the study itself is
`neurogen/studies/attractors.py`.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "attractors", *sys.argv[1:]]))
