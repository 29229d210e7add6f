"""Study fig3 of the paper: ``python studies/fig3_concept_structure.py --profile quick --out DIR``.

The same as ``neurogen study fig3 --profile quick --out DIR``. The study itself (sizes, measure,
plot, claims) lives in ``neurogen/studies/fig3.py``; read it there.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "fig3", *sys.argv[1:]]))
