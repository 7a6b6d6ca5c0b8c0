"""Writing files atomically: a finished file or none, never half of one.

Every file the tool writes for people (templates, scoring workbook, reports, feedback, sample
returns) goes through :func:`atomic_path`: it is written under a hidden temporary name in the
same folder (so the final ``os.replace`` is atomic on Windows and Linux) and only then takes
its real name. A failure, an exception or a cancel removes the temporary file; a kill leaves
it hidden, and the next start sweeps it (:mod:`.tempfiles`).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jinan_eval_gui.errors import EvalError, ExportError

from . import oserrors, tempfiles


def _refused_write(exc: Exception) -> OSError | None:
    """The storage's refusal behind ``exc`` (disk full, read-only, too large), if it is one.

    lxml (behind openpyxl) reports a failed write as ``SerialisationError("IO_ENOSPC")``, not
    as an OSError, so the C library's error name is read from its message.
    """
    if isinstance(exc, OSError):
        return exc if oserrors.is_write_failure(exc) else None
    match = re.search(r"\bIO_(E[A-Z]+)\b", str(exc))
    code = getattr(errno, match.group(1), None) if match else None
    refused = OSError(code, str(exc)) if code is not None else None
    return refused if refused is not None and oserrors.is_write_failure(refused) else None


def ensure_folder(folder: str | Path, error: type[EvalError] = ExportError) -> Path:
    """The output folder ``folder``, created if missing; ``error`` (Chinese) if it cannot be.

    Why: ``--out`` naming an existing file, or a place the user may not write, must be
    answered with what to do, not with an internal error.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise error(f"输出位置“{folder}”是一个文件，不是文件夹",
                    hint="请指定一个文件夹（不存在时会自动创建）")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:  # a part of the path is a file (ENOTDIR; on Windows ENOENT)
            raise error(f"无法创建输出文件夹“{folder}”：路径中的“{blocker}”是一个文件，不是文件夹",
                        hint="请检查路径，或另选一个输出文件夹") from exc
        raise error(f"无法创建输出文件夹“{folder}”：{oserrors.describe(exc)}",
                    hint="请选择一个可写的文件夹") from exc
    return folder


def temp_path_beside(target: Path, error: type[EvalError] = ExportError) -> Path:
    """Reserve a hidden temporary file next to ``target`` (removed by the caller or swept)."""
    if not target.parent.is_dir():
        raise error(f"保存位置“{target.parent}”不存在", hint="请选择一个已有的文件夹")
    try:
        return tempfiles.create_beside(target)
    except OSError as exc:
        raise error(f"无法在文件夹“{target.parent}”中写入文件：{oserrors.describe(exc)}",
                    hint=oserrors.remedy(exc)) from exc


@contextmanager
def atomic_path(target: str | Path, *, error: type[EvalError] = ExportError,
                opened_by: str = "Excel 或 WPS") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target``.

    ``opened_by`` names the program that typically holds the file open on Windows (the usual
    reason a replace is refused), for the message the user sees. A write the storage refuses
    (disk full, read-only, too large) becomes ``error`` with a Chinese message.
    """
    target = Path(target)
    tmp = temp_path_beside(target, error)
    try:
        try:
            yield tmp
        except Exception as exc:
            refused = _refused_write(exc)
            if refused is not None:
                raise error(f"无法保存文件“{target.name}”：{oserrors.describe(refused)}",
                            hint=oserrors.remedy(refused)) from exc
            raise
        tempfiles.reveal(tmp)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise error(f"无法写入“{target.name}”：文件可能正在被 {opened_by} 打开",
                        hint="请关闭该文件后重试，或换一个文件名保存") from exc
        except OSError as exc:
            raise error(f"无法保存文件“{target}”：{oserrors.describe(exc)}",
                        hint=oserrors.remedy(exc)) from exc
    finally:
        tmp.unlink(missing_ok=True)
