"""Study figA1 of the paper: ``python studies/figA1_pca_embedding.py --profile quick --out DIR``.

The same as ``neurogen study figA1 --profile quick --out DIR``. The study itself (sizes, measure,
plot, claims) lives in ``neurogen/studies/figA1.py``; read it there.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "figA1", *sys.argv[1:]]))
