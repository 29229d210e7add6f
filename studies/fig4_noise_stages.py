"""Study fig4 of the paper: run it with `python studies/fig4_noise_stages.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/fig4.py` (so that `neurogen study fig4` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("fig4")
