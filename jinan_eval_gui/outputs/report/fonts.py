"""Finding a Chinese (CJK) font file for the PDF report and the charts.

A PDF must embed its font to print the same everywhere, and a chart needs glyphs for the
indicator names, so both need the *file* of a font that covers Chinese. The search order is
fixed and tested:

1. a font the office bundles in ``resources/fonts/`` (any .ttf/.otf/.ttc/.otc; a file whose
   name contains "bold"/"bd" is used for bold text);
2. Windows fonts: Microsoft YaHei (msyh.ttc / msyhbd.ttc), DengXian, SimHei, SimSun;
3. Linux fonts: Noto Sans CJK SC (Debian fonts-noto-cjk, Fedora, Arch paths), WenQuanYi Zen Hei
   / Micro Hei, AR PL UMing, Droid Sans Fallback; then macOS PingFang / Heiti.

A candidate counts only if the file opens and its character map covers a probe of the report's
Chinese text. In a collection (.ttc) the face whose family is the wanted one is chosen (Noto
ships JP/KR/SC/TC/HK faces in one file; the SC face has the mainland glyph shapes). No candidate
gives an :class:`~jinan_eval_gui.errors.ExportError` with a Chinese message saying what to install.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinan_eval_gui.errors import ExportError
from jinan_eval_gui.system import paths

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# Characters every report contains: title, digits, full-width punctuation, level-1 names.
PROBE_TEXT = "济南市智慧城市发展水平评估报告民生服务指数排名缺报数据有误专家评分０１２（）、：“”"


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (``index`` selects the face in a .ttc collection)."""

    path: Path
    index: int = 0
    family: str = ""


@dataclass(frozen=True)
class CJKFont:
    """The regular and bold faces used for the report (bold falls back to regular)."""

    regular: FontFace
    bold: FontFace

    @property
    def has_bold(self) -> bool:
        return self.bold != self.regular

    @property
    def family(self) -> str:
        return self.regular.family


@dataclass(frozen=True)
class Candidate:
    """A font to try: file name(s) and the family wanted inside a collection."""

    regular: Path
    family: str = ""
    bold: Path | None = None
    bold_family: str = ""


def _windows_dirs() -> list[Path]:
    dirs = []
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    if windir:
        dirs.append(Path(windir) / "Fonts")
    elif sys.platform == "win32":
        dirs.append(Path("C:/Windows/Fonts"))
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


# (regular file, family in the file, bold file, bold family); names relative to each folder.
_WINDOWS = (
    ("msyh.ttc", "Microsoft YaHei", "msyhbd.ttc", "Microsoft YaHei"),
    ("Deng.ttf", "DengXian", "Dengb.ttf", "DengXian"),
    ("simhei.ttf", "SimHei", None, ""),
    ("simsun.ttc", "SimSun", "simhei.ttf", "SimHei"),
)
_UNIX = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC",
     "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC",
     "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC",
     "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei", None, ""),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei", None, ""),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "AR PL UMing CN", None, ""),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "Droid Sans Fallback", None, ""),
    ("/System/Library/Fonts/PingFang.ttc", "PingFang SC", None, ""),
    ("/System/Library/Fonts/STHeiti Light.ttc", "Heiti SC",
     "/System/Library/Fonts/STHeiti Medium.ttc", "Heiti SC"),
)
# Families for matplotlib's per-glyph fallback list, in order of preference.
CHART_FAMILIES = (
    "Microsoft YaHei", "DengXian", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "PingFang SC", "Heiti SC", "AR PL UMing CN",
    "Droid Sans Fallback", "SimSun", "Noto Sans CJK JP",
)


def bundled_candidates(folder: Path | None = None) -> list[Candidate]:
    """Fonts the office put in ``resources/fonts/`` (regular files first, bold paired)."""
    try:
        folder = folder or paths.resource("fonts")
    except FileNotFoundError:
        return []
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    bold = [p for p in files if _looks_bold(p.stem)]
    regular = [p for p in files if p not in bold]
    return [Candidate(p, bold=bold[0] if bold else None) for p in regular or bold]


def _looks_bold(stem: str) -> bool:
    s = stem.lower()
    return "bold" in s or s.endswith(("bd", "-b", "_b")) or "heavy" in s


def default_candidates() -> list[Candidate]:
    """The tested fallback list: bundled, then Windows, then Linux/macOS fonts."""
    out = bundled_candidates()
    for folder in _windows_dirs():
        for reg, fam, bold, bold_fam in _WINDOWS:
            out.append(Candidate(folder / reg, fam, folder / bold if bold else None, bold_fam))
    for reg, fam, bold, bold_fam in _UNIX:
        out.append(Candidate(Path(reg), fam, Path(bold) if bold else None, bold_fam))
    return out


def _open_faces(path: Path) -> list:
    from fontTools.ttLib import TTCollection, TTFont  # lazy: only when a font is needed

    with path.open("rb") as fh:
        tag = fh.read(4)
    if tag == b"ttcf":
        return list(TTCollection(str(path), lazy=True).fonts)
    return [TTFont(str(path), lazy=True)]


def _family(font) -> str:
    name = font["name"]
    for name_id in (16, 1):  # typographic family first (e.g. "Microsoft YaHei" not "...UI")
        for rec in name.names:
            if rec.nameID == name_id and rec.platformID == 3 and rec.langID == 0x409:
                return rec.toUnicode()
    return name.getDebugName(1) or ""


def _covers(font, text: str) -> bool:
    cmap = font.getBestCmap() or {}
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


@cache
def _face(path: Path, family: str) -> FontFace | None:
    """The face of ``path`` named ``family`` (else the first) if it covers the probe text."""
    try:
        if not path.is_file():
            return None
        stat = path.stat()
        key, stamp = f"{path}|{family}|{_PROBE_ID}", [stat.st_size, stat.st_mtime_ns]
        known = _known_faces().get(key)
        if known is not None and known.get("stamp") == stamp:
            return FontFace(path, int(known["index"]), str(known["family"]))
        faces = _open_faces(path)
        order = list(range(len(faces)))
        if family:
            order.sort(key=lambda i: _family(faces[i]).lower() != family.lower())
        for i in order:
            if _covers(faces[i], PROBE_TEXT):
                face = FontFace(path, i, _family(faces[i]))
                _remember_face(key, {"stamp": stamp, "index": i, "family": face.family})
                return face
    except Exception:  # noqa: BLE001 - a broken or foreign file is simply not a candidate
        return None
    return None


# Checking a CJK collection's character map takes about half a second per face, in every
# process that draws charts or writes a PDF; the answer only changes with the file, so it
# is kept in the user's data folder, keyed by path and face, valid while size and
# modification time are unchanged.
_CACHE_FILE = "font-cache.json"
_PROBE_ID = hashlib.sha256(PROBE_TEXT.encode("utf-8")).hexdigest()[:12]
_CACHE_LIMIT = 64


@cache
def _known_faces() -> dict[str, dict]:
    try:
        from jinan_eval_gui.system.logs import user_data_dir

        data = json.loads((user_data_dir() / _CACHE_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember_face(key: str, entry: dict) -> None:
    known = _known_faces()
    known[key] = entry
    while len(known) > _CACHE_LIMIT:
        known.pop(next(iter(known)))
    try:
        from jinan_eval_gui.system.atomic import atomic_path
        from jinan_eval_gui.system.logs import user_data_dir

        with atomic_path(user_data_dir() / _CACHE_FILE) as tmp:
            tmp.write_text(json.dumps(known, ensure_ascii=False), encoding="utf-8")
    except Exception:  # noqa: BLE001 - only a cache: the next process checks the font again
        pass


def find_cjk_font(candidates: Iterable[Candidate] | None = None) -> CJKFont:
    """The first usable CJK font of ``candidates`` (default: :func:`default_candidates`)."""
    tried: list[str] = []
    for cand in default_candidates() if candidates is None else candidates:
        tried.append(str(cand.regular))
        regular = _face(cand.regular, cand.family)
        if regular is None:
            continue
        bold = _face(cand.bold, cand.bold_family) if cand.bold else None
        return CJKFont(regular, bold or regular)
    raise ExportError(
        "找不到可用的中文字体，无法生成报告中的 PDF 和图表",
        hint="请将中文字体文件（如 msyh.ttc、simsun.ttc、simhei.ttf 或 NotoSansCJK-Regular.ttc）"
             "复制到程序目录下的 resources/fonts/ 文件夹；Linux 上可安装 fonts-noto-cjk",
    )


def missing_glyphs(text: str, face: FontFace) -> set[str]:
    """Characters of ``text`` (spaces aside) that ``face`` has no glyph for (tofu)."""
    font = _open_faces(face.path)[face.index]
    cmap = font.getBestCmap() or {}
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}


def chart_families(font: CJKFont, available: Sequence[str]) -> list[str]:
    """matplotlib ``font.family`` list: the chosen face, other installed CJK fonts, DejaVu."""
    wanted = [font.family, *CHART_FAMILIES]
    have = set(available)
    out: list[str] = []
    for fam in wanted:
        if fam and fam in have and fam not in out:
            out.append(fam)
    out.append("DejaVu Sans")
    return out
