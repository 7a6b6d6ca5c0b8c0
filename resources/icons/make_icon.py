"""Draw the application icon: a blue rounded square with a white 评 over a small skyline.

Run from the repository root after changing the design; the outputs are committed::

    python resources/icons/make_icon.py

Writes ``app.png`` (256 px), ``app.ico`` (16–256 px, the Windows executable's icon, used by
``build.spec``) and ``app.svg`` (the window icon; the character is stored as an outline, so no
font is needed where it is shown). Each bitmap size is drawn from a 1024 px master and reduced
with a Lanczos filter, so the character stays legible at 16 px. Needs Pillow and fontTools
(both installed with matplotlib) and a CJK font, found by :mod:`jinan_eval_gui.outputs.report.fonts`.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from jinan_eval_gui.outputs.report.fonts import FontFace, find_cjk_font

HERE = Path(__file__).resolve().parent
MASTER = 1024
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
TOP, BOTTOM = (0x3A, 0x6F, 0xC4), (0x1F, 0x3F, 0x7A)  # blue, lighter at the top
SKYLINE = (0x9D, 0xC3, 0xF0)
CHAR = "评"
CHAR_SIZE, CHAR_Y = 0.58, 0.42  # em size and centre height, as fractions of the square
MARGIN, RADIUS = 0.04, 0.2
BASE, GROUND = 0.86, 0.018  # skyline base line and the ground strip below it
# Buildings as (left, width, height) in per-mille of the square, drawn along the bottom band.
BUILDINGS = ((150, 80, 60), (240, 60, 100), (310, 90, 45), (410, 55, 125), (475, 85, 80),
             (570, 60, 110), (640, 95, 55), (745, 60, 95), (815, 40, 65))


def draw(size: int = MASTER) -> Image.Image:
    """The icon at ``size`` pixels (RGBA, transparent outside the rounded square)."""
    gradient = Image.new("RGBA", (size, size))
    px = ImageDraw.Draw(gradient)
    for y in range(size):
        t = y / (size - 1)
        px.line([(0, y), (size, y)],
                fill=tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True)) + (255,))
    mask = Image.new("L", (size, size), 0)
    margin = size * MARGIN
    ImageDraw.Draw(mask).rounded_rectangle((margin, margin, size - margin, size - margin),
                                           radius=size * RADIUS, fill=255)
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    icon.paste(gradient, (0, 0), mask)

    d = ImageDraw.Draw(icon)
    for x0, y0, x1, y1 in _skyline(size):
        d.rectangle((x0, y0, x1, y1), fill=SKYLINE)
    face = find_cjk_font().bold
    glyph = ImageFont.truetype(str(face.path), round(size * CHAR_SIZE), index=face.index)
    d.text((size / 2, size * CHAR_Y), CHAR, font=glyph, fill="white", anchor="mm")
    return icon


def _skyline(size: float) -> list[tuple[float, float, float, float]]:
    """Rectangles (x0, y0, x1, y1) of the buildings and the ground strip."""
    base = size * BASE
    rects = [(size * left / 1000, base - size * height / 1000, size * (left + width) / 1000, base)
             for left, width, height in BUILDINGS]
    rects.append((size * 0.13, base, size * 0.87, base + size * GROUND))
    return rects


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def svg(face: FontFace | None = None, size: int = 256) -> str:
    """The icon as SVG, the character drawn as its outline taken from the font."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.ttLib import TTFont

    face = face or find_cjk_font().bold
    font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
    glyphs = font.getGlyphSet()
    glyph = glyphs[font.getBestCmap()[ord(CHAR)]]
    outline, bounds = SVGPathPen(glyphs), BoundsPen(glyphs)
    glyph.draw(outline)
    glyph.draw(bounds)
    x_min, y_min, x_max, y_max = bounds.bounds
    scale = size * CHAR_SIZE / font["head"].unitsPerEm
    # centre the ink box on the same point as the bitmap's anchor="mm" text (close enough)
    tx = size / 2 - scale * (x_min + x_max) / 2
    ty = size * CHAR_Y + scale * (y_min + y_max) / 2
    m, r = size * MARGIN, size * RADIUS
    rects = "".join(f'<rect x="{x0:.2f}" y="{y0:.2f}" width="{x1 - x0:.2f}" '
                    f'height="{y1 - y0:.2f}"/>' for x0, y0, x1, y1 in _skyline(size))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">\n'
        f'<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{_hex(TOP)}"/><stop offset="1" stop-color="{_hex(BOTTOM)}"/>'
        f'</linearGradient></defs>\n'
        f'<rect x="{m:.2f}" y="{m:.2f}" width="{size - 2 * m:.2f}" height="{size - 2 * m:.2f}" '
        f'rx="{r:.2f}" fill="url(#bg)"/>\n'
        f'<g fill="{_hex(SKYLINE)}">{rects}</g>\n'
        f'<path fill="#ffffff" transform="translate({tx:.2f} {ty:.2f}) scale({scale:.5f} {-scale:.5f})" '
        f'd="{outline.getCommands()}"/>\n'
        f'</svg>\n'
    )


def main() -> None:
    master = draw()
    png = master.resize((256, 256), Image.Resampling.LANCZOS)
    png.save(HERE / "app.png", optimize=True)
    frames = [master.resize((s, s), Image.Resampling.LANCZOS) for s in ICO_SIZES]
    frames[-1].save(HERE / "app.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=frames[:-1])
    (HERE / "app.svg").write_text(svg(), encoding="utf-8")
    print(f"wrote app.png, app.ico and app.svg in {HERE}")


if __name__ == "__main__":
    main()
