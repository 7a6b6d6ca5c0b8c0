"""Year-on-year chosen once (issue 16, part 7): the earlier round is remembered in the round,
refused unless it is of an earlier year, checked against at every import, and its scores are
given beside this year's."""

from __future__ import annotations

import json
import shutil

import pytest
from corpus import TEST_UNIT, edit, fill, make_round
from deskcorpus import ENTITY, T, import_as, make_month

from jinan_eval_gui import cli, workflow
from jinan_eval_gui.errors import RoundFileError
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow import comparison


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    d = tmp_path_factory.mktemp("yoy")
    (d / "2026").mkdir()
    month = make_month(d / "2026")
    earlier = d / "2025.jeval"
    make_round(earlier, month.cat, year=2025, units=(TEST_UNIT,), template_dir=d / "t2025")
    old = fill(d / "t2025", d / "f2025", month.cat)[TEST_UNIT]
    import_as(earlier, [edit(old, d / "old.xlsx", {(T, "t_count1"): 100})])
    same_year = d / "other2026.jeval"
    make_round(same_year, month.cat, year=2026, units=(TEST_UNIT,), template_dir=d / "t2026b")
    later = d / "2027.jeval"
    make_round(later, month.cat, year=2027, units=(TEST_UNIT,), template_dir=d / "t2027")
    return month, earlier, same_year, later


def test_only_an_earlier_year_is_accepted_and_it_is_remembered(years, tmp_path):
    month, earlier, same_year, later = years
    path = month.round(tmp_path)
    with Round.open(path) as rnd:
        with pytest.raises(RoundFileError, match="就是当前轮次"):
            comparison.set_comparison(rnd, path)
        with pytest.raises(RoundFileError, match="是 2026 年度，不早于本轮的 2026 年度"):
            comparison.set_comparison(rnd, same_year)
        with pytest.raises(RoundFileError, match="不早于"):
            comparison.set_comparison(rnd, later)
        assert comparison.comparison(rnd) is None
        link = comparison.set_comparison(rnd, earlier)
        assert (link.year, link.path) == (2025, str(earlier.resolve()))
        (entry,) = rnd.audit_log("link.set")
        assert entry.details["year"] == 2025
    with Round.open(path, readonly=True) as rnd:  # reopened: still there
        assert comparison.comparison(rnd).round_id == link.round_id
    with Round.open(path) as rnd, pytest.raises(RoundFileError, match="不早于"):
        workflow.import_files(rnd, [month.filled[TEST_UNIT]], previous_round=same_year)


def test_imports_check_jumps_against_the_remembered_round(years, tmp_path):
    month, earlier, *_ = years
    path = month.round(tmp_path)
    with Round.open(path) as rnd:
        comparison.set_comparison(rnd, earlier)
    new = month.edited(tmp_path, "new.xlsx", {(T, "t_count1"): 200})
    (result,) = import_as(path, [new]).files  # no --compare: the remembered round is used
    jump = [f for f in result.findings if "2025 年度" in f.message]
    assert jump and "100" in jump[0].message and "增加了 100%" in jump[0].message


def test_a_moved_earlier_round_is_reported_not_skipped_silently(years, tmp_path):
    month, earlier, *_ = years
    moved = tmp_path / "2025.jeval"
    shutil.copy(earlier, moved)
    path = month.round(tmp_path)
    with Round.open(path) as rnd:
        comparison.set_comparison(rnd, moved)
    moved.unlink()
    report = import_as(path, [month.filled[TEST_UNIT]])
    assert report.files[0].status == "imported"
    (note,) = report.notes
    assert "已找不到" in note and "本次未作同比校验" in note
    with Round.open(path, readonly=True) as rnd:
        assert any("本次导出不含同比" in w for w in workflow.export_warnings(rnd))
        assert comparison.year_on_year(rnd) is None


def test_last_year_score_and_change(years, tmp_path):
    month, earlier, *_ = years
    path = month.round(tmp_path)
    import_as(path, [month.filled[TEST_UNIT]])
    with Round.open(path) as rnd:
        assert comparison.year_on_year(rnd) is None  # none chosen
        comparison.set_comparison(rnd, earlier)
        now = workflow.score_round(rnd, save=False)
        yoy = comparison.year_on_year(rnd, now)
    with Round.open(earlier, readonly=True) as old:
        before = workflow.score_round(old, save=False)[ENTITY]
    assert yoy.year == 2025
    changes = yoy.entities[ENTITY]
    assert changes.total.previous == before.total and changes.total.current == now[ENTITY].total
    assert changes.total.change == now[ENTITY].total - before.total
    c18 = changes.indicators[T]
    assert (c18.current, c18.previous) == (now[ENTITY].indicators[T].score,
                                           before.indicators[T].score)
    assert set(changes.level1) == {g.name for g in now[ENTITY].level1}


def test_compare_command(years, tmp_path, capsys):
    month, earlier, same_year, _later = years
    path = month.round(tmp_path)
    assert cli.main(["compare", str(path)]) == 0
    assert "未选定上年度评价轮次" in capsys.readouterr().out
    assert cli.main(["compare", str(path), "--set", str(same_year)]) == 1
    assert "不早于本轮" in capsys.readouterr().err
    assert cli.main(["compare", str(path), "--set", str(earlier)]) == 0
    out = capsys.readouterr().out
    assert "已选定 2025 年度" in out and "总分" in out and "上年" in out
    assert cli.main(["compare", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["previous"]["year"] == 2025 and data["previous"]["problem"] == ""
    total = data["entities"][ENTITY]["total"]
    assert total["change"] == pytest.approx(total["current"] - total["previous"])
    assert cli.main(["compare", str(path), "--clear"]) == 0
    assert "已取消" in capsys.readouterr().out
