"""Study fig3 of the paper: run it with `python studies/fig3_concept_structure.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/fig3.py` (so that `neurogen study fig3` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("fig3")
