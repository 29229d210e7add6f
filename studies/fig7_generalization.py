"""Study fig7 of the paper: run it with `python studies/fig7_generalization.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/fig7.py` (so that `neurogen study fig7` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("fig7")
