"""Study fig2 of the paper: ``python studies/fig2_distance_to_concept.py --profile quick --out DIR``.

The same as ``neurogen study fig2 --profile quick --out DIR``. The study itself (sizes, measure,
plot, claims) lives in ``neurogen/studies/fig2.py``; read it there.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "fig2", *sys.argv[1:]]))
