"""Study figB2 of the paper: run it with `python studies/figB2_classified_endpoints.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/figB2.py` (so that `neurogen study figB2` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("figB2")
