"""Study fig1 of the paper: run it with `python studies/fig1_consecutive_samples.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/fig1.py` (so that `neurogen study fig1` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("fig1")
