"""Fig. 6 of the paper (latent size): `python studies/fig6_latent_size.py --profile quick --out DIR`.

The same as `neurogen study fig6 --profile quick --out DIR`; the study itself is
`neurogen/studies/fig6.py`.
"""

import sys

from neurogen.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["study", "fig6", *sys.argv[1:]]))
