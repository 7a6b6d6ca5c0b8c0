"""Self-test of an installed or frozen app: the whole demo pipeline in a temporary folder.

``jinan-eval selftest`` and ``JinanEval --selftest`` (the windowed executable, no window shown)
both end here. The demo (:func:`jinan_eval_gui.workflow.run_demo`) runs into a fresh folder and
every step is then checked by what it left on disk: the round file, one template per unit,
one filled return per template (all imported), the scoring workbook, the Word and the PDF
report, each opened far enough to show it is a real file of its kind. The GUI variant first
starts Qt on the ``offscreen`` platform and loads every Designer form, which proves the bundle
carries the Qt plugins, QtUiTools and ``forms/``.

Nothing is imported at module level beyond the standard library, so the command line keeps
its fast start; Qt is imported only by :func:`check_forms`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

FLAG = "--selftest"


@dataclass(frozen=True)
class Check:
    """One checked step: a Chinese label, whether it passed and what was found."""

    label: str
    ok: bool
    detail: str = ""


def run_if_requested(argv: Sequence[str] | None = None) -> int | None:
    """For the GUI entry: run the self-test if ``--selftest`` is among the arguments.

    Returns the exit code (0 all passed, 1 otherwise) or ``None`` when the flag is absent, so
    ``main()`` starts with ``if (code := run_if_requested(argv)) is not None: return code``.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if FLAG not in args:
        return None
    return run(gui=True)


def run(out_dir: str | Path | None = None, *, gui: bool = False,
        out: Callable[[str], None] | None = None) -> int:
    """Run the self-test, print a short Chinese summary and return the exit code.

    ``out_dir`` keeps the produced files there (default: a temporary folder, removed after);
    ``gui`` also starts Qt offscreen and loads every form. When the process has no console
    (the windowed executable), the summary goes to ``selftest.log`` in the user data folder.
    """
    lines: list[str] = []
    say = out or _printer(lines)
    start = time.perf_counter()
    from . import __version__

    frozen = "打包版" if getattr(sys, "frozen", False) else "Python 环境"
    say(f"自检：济南市新型智慧城市评价工具 {__version__}（{frozen}）")
    checks: list[Check] = []
    if gui:
        checks += _guarded("启动 Qt 并加载界面文件", lambda: [check_forms()])
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="jinan-eval-selftest-") as tmp:
            checks += _guarded("运行演示流程", lambda: check_pipeline(Path(tmp)))
    else:
        checks += _guarded("运行演示流程", lambda: check_pipeline(Path(out_dir)))
    for c in checks:
        say(f"  {'✓' if c.ok else '✗'} {c.label}{'：' + c.detail if c.detail else ''}")
    failed = [c for c in checks if not c.ok]
    seconds = time.perf_counter() - start
    if failed:
        say(f"自检未通过：{len(failed)} 项失败（共 {len(checks)} 项），用时 {seconds:.1f} 秒。"
            "请将以上信息发送给技术支持人员。")
    else:
        say(f"自检通过：{len(checks)} 项全部成功，用时 {seconds:.1f} 秒。")
    if lines:
        _write_log(lines)
    return 1 if failed else 0


def _guarded(label: str, step: Callable[[], list[Check]]) -> list[Check]:
    """Run a group of checks; an exception becomes one failed check (logged, no traceback)."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - a self-test reports every failure, never raises
        from jinan_eval_gui.system.logs import log_exception

        return [Check(label, False, f"{_describe(exc)}；详细信息见 {log_exception('selftest')}")]


def _printer(lines: list[str]) -> Callable[[str], None]:
    """Print to the console; without one (windowed executable) collect the lines for a file."""
    if sys.stdout is None:
        return lines.append

    def say(text: str) -> None:
        try:
            print(text, flush=True)
        except UnicodeEncodeError:  # a console that cannot show Chinese: keep the information
            print(text.encode("ascii", "backslashreplace").decode("ascii"), flush=True)

    return say


def _write_log(lines: list[str]) -> None:
    try:
        from jinan_eval_gui.system.logs import user_data_dir

        (user_data_dir() / "selftest.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError:
        pass


def _describe(exc: BaseException) -> str:
    from .errors import EvalError

    if isinstance(exc, EvalError):
        return str(exc)
    return f"程序内部错误（{type(exc).__name__}: {exc}）"


# ---------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------
def check_pipeline(folder: Path) -> list[Check]:
    """Run the demo into ``folder`` and check each step by the files it produced."""
    from . import workflow
    from .store import Round

    steps: list[str] = []
    produced = workflow.run_demo(folder, log=steps.append)
    last = steps[-1].split(" ", 1)[0] if steps else "0/6"  # run_demo logs "1/6 …" … "6/6 …"
    checks = [Check("运行演示流程", last == "6/6", f"完成 {last} 步")]

    rounds = [p for p in produced if p.suffix == ".jeval"]
    round_ok = len(rounds) == 1 and rounds[0].is_file() and rounds[0].stat().st_size > 0
    checks.append(Check("新建评价轮次文件", round_ok, rounds[0].name if rounds else "未生成"))
    if not round_ok:
        return checks
    with Round.open(rounds[0], readonly=True) as rnd:
        status = workflow.collection_status(rnd)
    units = len(status)

    made = sorted((folder / "1_下发模板").glob("*.xlsx"))
    checks.append(Check("生成数据采集模板", units > 0 and len(made) == units
                        and all(_is_zip_with(p, "xl/workbook.xml") for p in made),
                        f"{len(made)} 份（应为 {units} 份）"))
    filled = sorted((folder / "2_单位回传").glob("*.xlsx"))
    checks.append(Check("模拟单位填报", len(filled) == units
                        and all(_is_zip_with(p, "xl/workbook.xml") for p in filled),
                        f"{len(filled)} 份"))
    returned = sum(s.returned for s in status)
    checks.append(Check("导入回传文件", returned == units, f"已导入 {returned}/{units} 个单位"))

    by_suffix = {p.suffix: p for p in produced if p.suffix != ".jeval"}
    checks.append(_file_check("导出评分表（Excel）", by_suffix.get(".xlsx"),
                              lambda p: _is_zip_with(p, "xl/workbook.xml")))
    checks.append(_file_check("导出评估报告（Word）", by_suffix.get(".docx"),
                              lambda p: _is_zip_with(p, "word/document.xml")))
    checks.append(_file_check("导出评估报告（PDF）", by_suffix.get(".pdf"), _is_pdf))
    return checks


def _file_check(label: str, path: Path | None, valid: Callable[[Path], bool]) -> Check:
    if path is None or not path.is_file():
        return Check(label, False, "未生成")
    ok = valid(path)
    size = path.stat().st_size
    return Check(label, ok, f"{path.name}（{size / 1024:.0f} KB）" + ("" if ok else "，文件内容无效"))


def _is_zip_with(path: Path, member: str) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return member in zf.namelist() and zf.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _is_pdf(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def check_forms() -> Check:
    """Start Qt on the offscreen platform (no window is shown) and load every form."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from jinan_eval_gui.gui.formloader import load_form

    from .system import paths

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "JinanEval"])
    names = sorted(p.name for p in paths.data_dir("forms").glob("*.ui"))
    failed = []
    for name in names:
        try:
            load_form(name).deleteLater()
        except Exception as exc:  # noqa: BLE001 - reported as a failed check
            failed.append(f"{name}（{exc}）")
    app.processEvents()
    platform = app.platformName()
    ok = bool(names) and not failed and platform == "offscreen"
    detail = f"平台 {platform}，界面文件 {len(names) - len(failed)}/{len(names)} 个"
    return Check("启动 Qt 并加载界面文件", ok, detail + ("；失败：" + "、".join(failed) if failed else ""))
