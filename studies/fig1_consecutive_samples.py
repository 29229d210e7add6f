"""Study fig1 of the paper: ``python studies/fig1_consecutive_samples.py --profile quick --out DIR``.

The same as ``neurogen study fig1 --profile quick --out DIR``. The study itself (sizes, measure,
plot, claims) lives in ``neurogen/studies/fig1.py``; read it there.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "fig1", *sys.argv[1:]]))
