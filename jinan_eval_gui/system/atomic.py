"""Writing files atomically: a finished file or none, never half of one.

Every file the tool writes for people (templates, scoring workbook, reports, feedback, sample
returns) goes through :func:`atomic_path`: it is written under a hidden temporary name in the
same folder (so the final ``os.replace`` is atomic on Windows and Linux) and only then takes
its real name. A failure, an exception or a cancel removes the temporary file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jinan_eval_gui.errors import EvalError, ExportError


def temp_path_beside(target: Path, error: type[EvalError] = ExportError) -> Path:
    """Reserve a hidden temporary file next to ``target`` (created with default permissions,
    unlike mkstemp's 0600, since it becomes the file)."""
    if not target.parent.is_dir():
        raise error(f"保存位置“{target.parent}”不存在", hint="请选择一个已有的文件夹")
    for _ in range(100):
        tmp = target.with_name(f".~{uuid.uuid4().hex[:12]}{target.suffix}.part")
        try:
            with open(tmp, "xb"):
                return tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise error(f"无法在文件夹“{target.parent}”中写入文件：{exc.strerror}",
                        hint="请选择有写入权限的文件夹") from exc
    raise error(f"无法在文件夹“{target.parent}”中创建临时文件")


@contextmanager
def atomic_path(target: str | Path, *, error: type[EvalError] = ExportError,
                opened_by: str = "Excel 或 WPS") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target``.

    ``opened_by`` names the program that typically holds the file open on Windows (the usual
    reason a replace is refused), for the message the user sees.
    """
    target = Path(target)
    tmp = temp_path_beside(target, error)
    try:
        yield tmp
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise error(f"无法写入“{target.name}”：文件可能正在被 {opened_by} 打开",
                        hint="请关闭该文件后重试，或换一个文件名保存") from exc
        except OSError as exc:
            raise error(f"无法保存文件“{target}”：{exc.strerror}",
                        hint="请检查磁盘空间和文件夹权限") from exc
    finally:
        tmp.unlink(missing_ok=True)
