"""Study fig2 of the paper: run it with `python studies/fig2_distance_to_concept.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/fig2.py` (so that `neurogen study fig2` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("fig2")
