"""The robustness chart: each score's 90 % interval, its median and the official result.

Drawn like :mod:`.charts` (matplotlib's object API on an Agg canvas, imported when drawn, the
report's CJK font with per-glyph fallback), one horizontal line per row from the 5 % to the
95 % point, a dot at the median and a diamond at the official score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .charts import _LOCK, CURRENT, HIGHLIGHT, _wrap, draw_png, plain_axes
from .fonts import CJKFont, find_cjk_font


@dataclass(frozen=True)
class IntervalChart:
    """Rows to draw: label, 5 %, median, 95 %, official (None where there is none)."""

    labels: Sequence[str]
    low: Sequence[float | None]
    median: Sequence[float | None]
    high: Sequence[float | None]
    official: Sequence[float | None]
    axis_label: str = "得分"
    legend: tuple[str, str, str] = ("90% 区间", "中位数", "正式结果")
    width_cm: float = 16.0


def render_interval_png(chart: IntervalChart, font: CJKFont | None = None,
                        dpi: int = 200) -> bytes:
    """The chart as PNG bytes (opaque RGB)."""
    font = font or find_cjk_font()
    height = max(4.5, 1.8 + 0.8 * len(chart.labels))
    with _LOCK:
        return draw_png(lambda ax: _draw(ax, chart), chart.width_cm, height, font, dpi)


def _draw(ax, chart: IntervalChart) -> None:
    n = len(chart.labels)
    pos = list(range(n))[::-1]  # first row on top
    values = [v for v in (*chart.low, *chart.high, *chart.official) if v is not None]
    lo = max(0.0, min(values, default=0.0) - 5)
    hi = min(100.0, max(values, default=100.0) + 5)
    for y, a, m, b, o in zip(pos, chart.low, chart.median, chart.high, chart.official,
                             strict=True):
        if a is not None and b is not None:
            ax.plot([a, b], [y, y], color=CURRENT, linewidth=5, solid_capstyle="butt",
                    alpha=0.55, label=chart.legend[0] if y == pos[0] else None)
            ax.annotate(f"{a:.2f}–{b:.2f}", (b, y), xytext=(6, -3), textcoords="offset points",
                        fontsize=7, color="#404040")
        if m is not None:
            ax.plot([m], [y], "o", color=CURRENT, markersize=5,
                    label=chart.legend[1] if y == pos[0] else None)
        if o is not None:
            ax.plot([o], [y], "D", color=HIGHLIGHT, markersize=5,
                    label=chart.legend[2] if y == pos[0] else None)
    ax.set_yticks(pos, [_wrap(label, 12) for label in chart.labels])
    ax.set_xlim(lo, hi + (hi - lo) * 0.18)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(chart.axis_label)
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
    plain_axes(ax)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
              ncols=3, borderaxespad=0.2, labelcolor="#404040")
