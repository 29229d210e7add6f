"""Figures are drawn for the report's page: as wide as the page, every text at least 9 pt as shown (issue 29).

The report shows a figure's PNG at its natural width or, when wider, scaled down to the page's
1200 CSS px (96 px per inch); a font of ``s`` pt in a figure ``w`` inches wide then shows at
``s · shown_px / (96 · w)`` pt.
"""

from __future__ import annotations

import pytest
from matplotlib.text import Text
from PIL import Image

from neurogen.studies import replot
from neurogen.studies.report import PAGE_WIDTH_IN, PAGE_WIDTH_PX

#: The studies whose figures are drawn for the page (the others are not yet).
REDRAWN = ["fig2", "fig3", "fig4", "figB2", "lesions", "associative", "fig6", "fig7"]
MIN_PT = 9.0


def shown_scale(png) -> tuple[float, float]:
    """The saved figure's width in inches and the factor its fonts are scaled by on the page."""
    with Image.open(png) as im:
        px, dpi = im.size[0], float(im.info["dpi"][0])
    inches = px / dpi
    return inches, min(px, PAGE_WIDTH_PX) / (96 * inches)


def drawn_texts(fig) -> list[Text]:
    """Every text the figure draws: visible, not empty, inside a visible axes (or on the figure)."""
    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and (t.axes is None or t.axes.get_visible() and t.axes.axison or t.axes.texts.count(t))]


@pytest.mark.slow  # runs eight studies at the tiny profile (about a minute)
@pytest.mark.parametrize("name", REDRAWN)
def test_figure_fits_the_page_and_its_fonts_are_readable(name, run_tiny):
    """The saved PNG is the page's width (±10 %), and every text shows at ≥ 9 pt on the page."""
    import matplotlib.pyplot as plt

    _, out = run_tiny(name)
    inches, scale = shown_scale(out / f"{name}.png")
    assert 0.9 * PAGE_WIDTH_IN <= inches <= 1.05 * PAGE_WIDTH_IN, f"{name}: {inches:.2f} in wide"
    fig = replot(out / f"{name}.nc")
    try:
        small = sorted((round(t.get_fontsize() * scale, 1), t.get_text()[:30]) for t in drawn_texts(fig)
                       if t.get_fontsize() * scale < MIN_PT)
    finally:
        plt.close(fig)
    assert not small, f"{name}: texts under {MIN_PT} pt on the page: {small[:5]}"
