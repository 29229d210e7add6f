"""Representational geometry: `python studies/geometry.py --profile quick --out DIR`.

The same as `neurogen study geometry --profile quick --out DIR`; the study itself is
`neurogen/studies/geometry.py`.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "geometry", *sys.argv[1:]]))
