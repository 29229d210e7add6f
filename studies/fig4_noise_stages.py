"""Study fig4 of the paper: ``python studies/fig4_noise_stages.py --profile quick --out DIR``.

The same as ``neurogen study fig4 --profile quick --out DIR``. The study itself (sizes, measure,
plot, claims) lives in ``neurogen/studies/fig4.py``; read it there.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "fig4", *sys.argv[1:]]))
