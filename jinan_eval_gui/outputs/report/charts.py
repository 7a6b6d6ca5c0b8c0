"""Bar charts for the report, drawn with matplotlib into PNG bytes.

matplotlib is imported inside the function (it costs a second or two at first import, and the
GUI's start-up time matters), and only its object-oriented API is used: a ``Figure`` drawn by
the Agg canvas, no ``pyplot``, so no global backend is chosen and no Qt binding is touched.
Chinese labels use the font found by :mod:`jinan_eval_gui.outputs.report.fonts` first in ``font.family``,
followed by other installed CJK families (per-glyph fallback, matplotlib >= 3.6), so no label
is drawn as empty boxes.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .fonts import CJKFont, chart_families, find_cjk_font

CURRENT = "#2F5597"
PREVIOUS = "#A5A5A5"
HIGHLIGHT = "#C55A11"
CM = 1 / 2.54


@dataclass(frozen=True)
class BarChart:
    """What to draw: one bar per label, optionally last year's bar beside it."""

    labels: Sequence[str]
    values: Sequence[float | None]
    previous: Sequence[float | None] | None = None
    series: tuple[str, str] = ("本年度", "上年度")
    horizontal: bool = False
    highlight: int | None = None  # index of a bar drawn in the highlight colour
    axis_label: str = ""
    vmax: float = 100.0
    width_cm: float = 16.0
    height_cm: float | None = None


_NO_LINE_START = "）)」』”’，。、：；！？%"


def _wrap(label: str, width: int) -> str:
    """Wrap a label every ``width`` characters, never starting a line with closing punctuation."""
    lines = textwrap.wrap(label, width, break_long_words=True) or [label]
    out: list[str] = []
    for line in lines:
        while out and line and line[0] in _NO_LINE_START:
            out[-1] += line[0]
            line = line[1:]
        if line:
            out.append(line)
    return "\n".join(out)


_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
_CACHE_SIZE = 48
_LOCK = threading.Lock()


def _key(chart: BarChart, font: CJKFont, dpi: int) -> tuple:
    prev = tuple(chart.previous) if chart.previous is not None else None
    return (tuple(chart.labels), tuple(chart.values), prev, chart.series, chart.horizontal,
            chart.highlight, chart.axis_label, chart.vmax, chart.width_cm, chart.height_cm,
            font, dpi)


def render_png(chart: BarChart, font: CJKFont | None = None, dpi: int = 200) -> bytes:
    """Draw ``chart`` and return the PNG bytes.

    The last few charts are remembered, so writing the same report as .docx and then as PDF
    draws each chart once.
    """
    font = font or find_cjk_font()
    key = _key(chart, font, dpi)
    with _LOCK:  # rc_context changes matplotlib's global rcParams: one chart at a time
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        png = _render(chart, font, dpi)
        _CACHE[key] = png
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return png


def _render(chart: BarChart, font: CJKFont, dpi: int) -> bytes:
    n = len(chart.labels)
    per_bar = 0.95 if chart.previous is not None else 0.75
    height = chart.height_cm or (max(4.5, 1.5 + per_bar * n) if chart.horizontal else 8.0)
    return draw_png(lambda ax: _draw(ax, chart), chart.width_cm, height, font, dpi,
                    {"svg.fonttype": "none"})


def draw_png(draw: Callable[[Any], None], width_cm: float, height_cm: float, font: CJKFont,
             dpi: int, rc: dict[str, Any] | None = None) -> bytes:
    """One figure drawn by ``draw(ax)`` in the report's font, as opaque RGB PNG bytes.

    Every chart of the report goes through here so that all share the font set-up, one draw
    and one PNG encoding (savefig would draw again and write RGBA, to be decoded and encoded
    once more), and no alpha channel for the PDF to carry as a soft mask. The caller holds
    ``_LOCK``: rc_context changes matplotlib's global rcParams.
    """
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    _register(font_manager, font)
    families = chart_families(font, [f.name for f in font_manager.fontManager.ttflist])
    settings = {"font.family": families, "font.size": 9, "axes.unicode_minus": False,
                **(rc or {})}
    with matplotlib.rc_context(settings):
        fig = Figure(figsize=(width_cm * CM, height_cm * CM), dpi=dpi, facecolor="white")
        canvas = FigureCanvasAgg(fig)
        draw(fig.add_subplot())
        fig.tight_layout(pad=0.6)
        canvas.draw()
        width, height_px = canvas.get_width_height(physical=True)
        rgba = bytes(canvas.buffer_rgba())
    out = io.BytesIO()
    Image.frombuffer("RGBA", (width, height_px), rgba, "raw", "RGBA", 0, 1).convert("RGB").save(
        out, format="PNG")
    return out.getvalue()


def _register(font_manager, font: CJKFont) -> None:
    """Make sure the chosen font file is known to matplotlib (bundled fonts are not)."""
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for face in {font.regular, font.bold}:
        if str(face.path) not in known:
            font_manager.fontManager.addfont(str(face.path))


def _draw(ax, chart: BarChart) -> None:
    n = len(chart.labels)
    values = [v if v is not None else 0.0 for v in chart.values]
    prev = chart.previous
    pos = list(range(n))
    size = 0.38 if prev is not None else 0.6
    colors = [HIGHLIGHT if i == chart.highlight else CURRENT for i in range(n)]
    bar = ax.barh if chart.horizontal else ax.bar
    if chart.horizontal:
        pos = pos[::-1]  # first label on top
    if prev is not None:
        cur_pos = [p - size / 2 for p in pos] if not chart.horizontal else [p + size / 2 for p in pos]
        prev_pos = [p + size / 2 for p in pos] if not chart.horizontal else [p - size / 2 for p in pos]
        bars = bar(cur_pos, values, size, color=colors, label=chart.series[0])
        pvals = [v if v is not None else 0.0 for v in prev]
        pbars = bar(prev_pos, pvals, size, color=PREVIOUS, label=chart.series[1])
        ax.bar_label(pbars, labels=[_num(v) for v in prev], padding=2, fontsize=7,
                     color="#595959")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
                  ncols=2, borderaxespad=0.2)
    else:
        bars = bar(pos, values, size, color=colors)
    ax.bar_label(bars, labels=[_num(v) for v in chart.values], padding=2, fontsize=8)
    if chart.horizontal:
        ax.set_yticks(pos, [_wrap(label, 16) for label in chart.labels])
        ax.set_xlim(0, chart.vmax * 1.12)
        ax.set_xticks(_ticks(chart.vmax))
        ax.set_xlabel(chart.axis_label)
        ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
    else:
        width = 5 if n > 6 else 8
        ax.set_xticks(pos, [_wrap(label, width) for label in chart.labels])
        ax.set_ylim(0, chart.vmax * 1.12)
        ax.set_yticks(_ticks(chart.vmax))
        ax.set_ylabel(chart.axis_label)
        ax.grid(axis="y", color="#D9D9D9", linewidth=0.6)
    plain_axes(ax)


def plain_axes(ax: Any) -> None:
    """The report's chart style: grid behind the data, no top or right frame, no tick marks."""
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)


def _ticks(vmax: float) -> list[float]:
    return [vmax * i / 5 for i in range(6)]


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
