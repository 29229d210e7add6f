"""Concept formation over training: run it with `python studies/concept_formation.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/concept_formation.py` (so that
`neurogen study concept_formation` works from an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("concept_formation")
