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

#: The studies whose figures are drawn for the page: every study.
REDRAWN = ["fig1", "fig2", "fig3", "fig4", "figA1", "figB2", "readings", "lesions", "concept_formation", "associative",
           "global_to_fine", "fig6", "fig7", "geometry", "attractors"]
MIN_PT = 9.0


def shown_scale(png) -> tuple[float, float]:
    """The saved figure's width in inches and the factor its fonts are scaled by on the page."""
    with Image.open(png) as im:
        px, dpi = im.size[0], float(im.info["dpi"][0])
    inches = px / dpi
    return inches, min(px, PAGE_WIDTH_PX) / (96 * inches)


def drawn_texts(fig) -> list[Text]:
    """Every text the figure draws: visible, not empty, inside a visible axes (or on the figure).

    An axes drawn without its axis (an image's frame) still draws its titles and texts.
    """
    fig.canvas.draw()

    def drawn(t: Text) -> bool:
        ax = t.axes
        if ax is None:
            return True
        titles = (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None))
        return ax.get_visible() and (ax.axison or t in ax.texts or any(t is title for title in titles))

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and drawn(t)]


@pytest.mark.slow  # runs fifteen studies at the tiny profile (about two minutes)
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
