"""The evaluated entities of a new round as people write them: names with their parents.

A province-wide round has a hundred or more entities in two levels (市 → 区县), so they can be
given one by one as ``名称`` or ``名称@上级`` (``历下区@济南市``), or listed in a file, one entity
a line: ``名称`` or ``名称,上级`` (also a tab, ``，`` or ``@`` between them). The file may be UTF-8
(with or without a byte order mark) or GB18030, as Excel and Notepad save it; blank lines and
lines starting with ``#`` are skipped. A parent need not be an entity itself (districts may be
evaluated without their city), but an entity is never its own parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jinan_eval_gui.errors import RoundFileError

_SEPARATOR_RE = re.compile(r"[@,，\t]")
#: A list of entities is a short text; far beyond is the wrong file.
MAX_FILE_BYTES = 1024 * 1024
MAX_ENTITIES = 2000


@dataclass
class EntityList:
    """Entities in the order given, and the parent of those that have one."""

    names: list[str] = field(default_factory=list)
    parents: dict[str, str] = field(default_factory=dict)

    def add(self, spec: str, where: str = "") -> None:
        """Add one ``名称`` or ``名称@上级``; RoundFileError for an empty part or a loop."""
        parts = [p.strip() for p in _SEPARATOR_RE.split(spec, maxsplit=1)]
        name = parts[0]
        parent = parts[1] if len(parts) > 1 else None
        at = f"（{where}）" if where else ""
        if not name:
            shown = f"“{spec.strip()}”缺少名称" if spec.strip() else "名称不能为空"
            raise RoundFileError(f"评价对象{shown}{at}",
                                 hint="请按“名称”或“名称@上级”填写，如 历下区@济南市")
        if parent is not None:
            if not parent:
                raise RoundFileError(f"评价对象“{name}”的上级为空{at}",
                                     hint="请在 @ 后填写上级名称，如 历下区@济南市；没有上级时不写 @")
            if parent == name:
                raise RoundFileError(f"评价对象“{name}”的上级不能是它自己{at}",
                                     hint="请填写所属的市，如 历下区@济南市")
            self.parents[name] = parent
        self.names.append(name)
        if len(self.names) > MAX_ENTITIES:
            raise RoundFileError(f"评价对象超过 {MAX_ENTITIES} 个", hint="请确认选择的是评价对象清单")


def parse_entities(specs: Iterable[str] = (), file: str | Path | None = None) -> EntityList:
    """The entities of ``file`` (if given), then those of ``specs``, with their parents."""
    out = EntityList()
    if file is not None:
        path = Path(file)
        for number, line in enumerate(_read_lines(path), start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                out.add(text, f"{path.name} 第 {number} 行")
    for spec in specs:
        out.add(spec)
    return out


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RoundFileError(f"无法读取评价对象清单：{path}（{exc.strerror or exc}）",
                             hint="请确认文件存在且未被其他程序占用") from exc
    if len(data) > MAX_FILE_BYTES:
        raise RoundFileError(f"评价对象清单“{path.name}”过大", hint="请确认选择的是评价对象清单")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    raise RoundFileError(f"评价对象清单“{path.name}”的文字编码无法识别",
                         hint="请另存为 UTF-8 编码的文本文件后重试")
