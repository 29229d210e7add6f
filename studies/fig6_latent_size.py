"""Study fig6 of the paper: run it with `python studies/fig6_latent_size.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/fig6.py` (so that `neurogen study fig6` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("fig6")
