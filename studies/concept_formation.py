"""Concept formation over training: `python studies/concept_formation.py --profile quick --out DIR`.

The same as `neurogen study concept_formation --profile quick --out DIR`; the study itself is
`neurogen/studies/concept_formation.py`.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "concept_formation", *sys.argv[1:]]))
