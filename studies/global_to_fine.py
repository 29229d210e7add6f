"""Global before fine: run it with `python studies/global_to_fine.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/global_to_fine.py` (so that
`neurogen study global_to_fine` works from an installed package); read it there.
"""

from neurogen.studies import main

if __name__ == "__main__":
    main("global_to_fine")
