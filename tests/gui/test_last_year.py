"""Year-on-year in the window (issue 16): the round compared with is chosen once on 概览 and
remembered; the round itself or one of the same or a later year is refused; imports check jumps
against its values; 评分结果 shows last year's score and the change beside each score."""

from __future__ import annotations

import shutil
from decimal import Decimal

from conftest import TEST_UNITS, fill, unit_file, wait_idle
from corpus import edit, meta_of

from jinan_eval_gui import workflow
from jinan_eval_gui.store import Round


def earlier(tmp_path, year: int):
    """A round of ``year`` with the test units' clean returns."""
    path = tmp_path / f"{year}年度评价.jeval"
    with workflow.create_round(path, year=year) as rnd:
        workflow.issue_templates(rnd, tmp_path / f"模板{year}", units=TEST_UNITS)
        fill(tmp_path / f"模板{year}", tmp_path / f"回传{year}")
        workflow.import_files(rnd, [unit_file(tmp_path / f"回传{year}", u) for u in TEST_UNITS])
    return path


def test_last_year_chosen_once_checked_at_import_and_beside_the_scores(
        qtbot, window, recorder, filled_round, tmp_path):
    path = tmp_path / filled_round.name  # 2025
    shutil.copy2(filled_round, path)
    last_year, later = earlier(tmp_path, 2024), earlier(tmp_path, 2026)
    window.open_round(path)
    wait_idle(qtbot, window)
    overview = window.show_page("overview")
    wait_idle(qtbot, window)
    assert overview.ui.compareValue.text() == "未选择"
    results = window.show_page("results")
    wait_idle(qtbot, window)
    tree = results.ui.scoreTree
    assert tree.isColumnHidden(4) and tree.isColumnHidden(5)

    # refused: the round itself, a later year (nothing remembered)
    overview.choose_comparison(path)
    overview.choose_comparison(later)
    assert "就是当前轮次" in recorder.errors[0] and "不早于本轮的 2025 年度" in recorder.errors[1]
    assert window.session.rnd.round_link("previous") is None

    # chosen once: remembered in the round, shown on 概览, used by 评分结果
    overview.choose_comparison(last_year)
    wait_idle(qtbot, window)
    assert "2024 年度" in overview.ui.compareValue.text()
    assert window.session.rnd.round_link("previous").year == 2024
    results = window.show_page("results")
    wait_idle(qtbot, window)
    assert not tree.isColumnHidden(4) and not tree.isColumnHidden(5)
    assert "2024 年度" in results.ui.totalLabel.text()
    with Round.open(last_year, readonly=True) as old:
        before = workflow.score_round(old, save=False)["济南市"]
    now = window.session.results["济南市"]
    model = results.tree
    first = model.index(0, 0)
    name = model.item(first).obj.name
    previous = next(g.score for g in before.level1 if g.name == name)
    current = next(g.score for g in now.level1 if g.name == name)
    assert model.cell(model.item(first), 4) == str(previous.normalize()) or \
        Decimal(model.cell(model.item(first), 4)) == previous
    change = model.cell(model.item(first), 5)
    assert change in ("0", f"+{current - previous}", f"−{previous - current}")

    # remembered after reopening
    window.session.close_round()
    window.open_round(path)
    wait_idle(qtbot, window)
    assert "2024 年度" in window.show_page("overview").ui.compareValue.text()

    # a jump against last year's value is a warning at import
    rnd = window.session.rnd
    sub = next(s for s in rnd.list_submissions() if s.unit == TEST_UNITS[0])
    base = tmp_path / "base.xlsx"
    base.write_bytes(rnd.submission_content(sub.id))
    cat = window.session.cat
    with Round.open(last_year, readonly=True) as old:
        values = old.current_values("济南市")
    def last(c):  # the 2024 value of a mapped cell's input (a number), if any
        found = [v.number for v in values.get(c.indicator_id, {}).get(c.input_key, [])
                 if v.number and v.row_index is None]
        return found[0] if found else None

    cells = [c for c in meta_of(base).cells if c.is_catalogue_input and c.row_index is None
             and cat.indicator(c.indicator_id).input(c.input_key).kind == "count" and last(c)]
    cell = cells[0]  # every count of its indicator ten times last year's: checks still hold
    same = [c for c in cells if c.indicator_id == cell.indicator_id]
    jumped = edit(base, tmp_path / "jump.xlsx", {c.cell: int(last(c) * 10) for c in same})
    page = window.show_page("collect")
    page.add_files([jumped])
    page.preview()
    wait_idle(qtbot, window)
    warnings = [v for v in page.findings.rows() if "与 2024 年度填报的" in v.message]
    assert warnings and warnings[0].cell == cell.cell and warnings[0].category == "需核实"
