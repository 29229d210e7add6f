"""Study figB2 of the paper: ``python studies/figB2_classified_endpoints.py --profile quick --out DIR``.

The same as ``neurogen study figB2 --profile quick --out DIR``. The study itself (sizes, measure,
plot, claims) lives in ``neurogen/studies/figB2.py``; read it there.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "figB2", *sys.argv[1:]]))
