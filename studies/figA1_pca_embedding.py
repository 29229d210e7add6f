"""Study figA1 of the paper: run it with `python studies/figA1_pca_embedding.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/figA1.py` (so that `neurogen study figA1` works from
an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("figA1")
