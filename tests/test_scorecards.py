"""部门评价反馈单: one scorecard per responsible unit (Word, PDF) and the Excel summary.

Each unit's indicators must be exactly the catalogue's (``Catalogue.indicators_for_unit``);
every number in a scorecard's sentences is recomputed here from the 指标体系's weights and the
engine's scores; gaps show no change against last year.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import docx
import openpyxl
import pytest
from analysis_round import build_round
from lo import convert, needs_soffice

from jinan_eval_gui import workflow
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.outputs.scorecards import summary_sentences
from jinan_eval_gui.scoring.engine import round2
from jinan_eval_gui.store import Round
from jinan_eval_gui.workflow.scorecards import unit_cards, write_scorecards


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    base = tmp_path_factory.mktemp("cards")
    earlier = build_round(base / "2025", year=2025, seed=3)
    current = build_round(base / "2026", year=2026, seed=7)
    return current, earlier


@pytest.fixture(scope="module")
def cards(rounds):
    current, earlier = rounds
    with Round.open(earlier, readonly=True) as rnd:
        previous = workflow.score_round(rnd, save=False)
    with Round.open(current, readonly=True) as rnd:
        cat = workflow.round_catalogue(rnd)
        results = workflow.score_round(rnd, save=False)
        made = unit_cards(rnd, previous=previous)
    return cat, results["济南市"], previous["济南市"], made


@pytest.fixture(scope="module")
def written(rounds, tmp_path_factory):
    current, earlier = rounds
    out = tmp_path_factory.mktemp("cards-out")
    with Round.open(current, readonly=True) as rnd:
        files = write_scorecards(rnd, out, compare=earlier, formats=("docx", "xlsx"))
    return out, files


def _share(cat, ind) -> Fraction:
    """Level-1 × level-2 × level-3 weight, as the 指标体系 gives them (percent)."""
    l2 = cat.level2_by_id(ind.parent)
    l1 = cat.level1_of(ind.parent)
    return (Fraction(l1.weight) / 100 * (Fraction(l2.weight) / 100 if l2.weight else 1)
            * (Fraction(ind.weight) / 100 if ind.weight else 1))


def test_every_unit_gets_exactly_its_catalogue_indicators(cards):
    cat, _res, _prev, made = cards
    units = [u for u in cat.unit_names if cat.indicators_for_unit(u)]
    assert [c.unit for c in made] == units
    for card in made:
        expected = cat.indicators_for_unit(card.unit)
        assert [r.id for r in card.rows] == [ind.id for ind in expected]
        for row, ind in zip(card.rows, expected, strict=True):
            assert row.name == ind.name
            assert row.shared == (len(cat.units_of(ind)) > 1)
            assert row.deduction == (ind.kind == "deduction")


def test_scores_points_and_changes_are_the_engines(cards):
    cat, res, prev, made = cards
    for card in made:
        for row in card.rows:
            r = res.indicators[row.id]
            assert (row.score, row.status) == (r.score, r.status)
            ind = cat.indicator(row.id)
            if ind.kind == "deduction":
                continue
            assert row.share == _share(cat, ind)
            if res.settings["missing_policy"] == "zero":
                assert row.points == _share(cat, ind) * (100 - Fraction(r.score))
            before = prev.indicators[row.id]
            if row.gap:
                assert row.change is None  # a gap is not a result
            elif before.status in ("ok", "expert"):
                assert row.change == r.score - before.score


def test_summary_sentences_match_the_numbers(cards):
    cat, res, _prev, made = cards
    for card in made:
        text = "".join(summary_sentences(card))
        rows = card.rows
        weighted = [r for r in rows if not r.deduction]
        assert f"三级指标共 {len(rows)} 项" in text
        shared = sum(1 for r in rows if r.shared)
        assert (f"共担 {shared} 项" in text) == bool(shared)
        if weighted:
            carry = sum((100 * _share(cat, cat.indicator(r.id)) for r in weighted), Fraction(0))
            earned = sum((_share(cat, cat.indicator(r.id)) * Fraction(r.score)
                          for r in weighted), Fraction(0))
            assert f"合计占 {round2(carry):.2f} 分" in text
            assert f"得分折合 {round2(earned):.2f} 分" in text
            assert f"失分 {round2(carry - earned):.2f} 分" in text
        gaps = [r for r in rows if r.status in ("missing", "invalid")]
        if gaps:
            assert f"缺报或数据有误的指标 {len(gaps)} 项" in text
            assert "指标 " + "、".join(str(r.id) for r in gaps) in text
            # a unit is asked to supply only the gaps that are its own part
            own = {a.id for a in card.actions if a.gap}
            assert ("待共担单位补报或更正" in text) == any(r.id not in own for r in gaps)
            assert ("须补报或更正数据" in text) == bool(own)


def test_actions_put_gaps_first_then_the_largest_points_with_the_engines_change(cards):
    _cat, _res, _prev, made = cards
    for card in made:
        gaps = [a for a in card.actions if a.gap]
        rest = [a for a in card.actions if not a.gap]
        assert card.actions == gaps + rest
        assert [a.points for a in rest] == sorted((a.points for a in rest), reverse=True)
        assert len(rest) <= 5
    assert any("总分 +" in a.text for c in made for a in c.actions)


def test_data_quality_comes_from_the_round(cards):
    _cat, _res, _prev, made = cards
    for card in made:
        q = card.quality
        assert q.deadline == "2027-01-31"
        assert q.versions == 1  # every unit returned once in the sample round
        assert q.timeliness in ("按时", "未规定截止日期") or q.timeliness.startswith("逾期")
        assert q.errors_now >= 0 and q.corrected == 0


def test_word_scorecards_and_excel_summary(written, cards):
    out, files = written
    cat, _res, _prev, made = cards
    docs = [p for p in files if p.suffix == ".docx"]
    assert len(docs) == len(made)
    card = next(c for c in made if c.unit == "市公安局")
    doc = docx.Document(str(next(p for p in docs if "市公安局" in p.name)))
    text = "\n".join(p.text for p in doc.paragraphs)
    for sentence in summary_sentences(card):
        assert sentence in text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][-2:] == ["上年", "变化"]
    assert len(table.rows) == 1 + len(card.rows)
    assert any("（共担）" in row.cells[1].text for row in table.rows[1:])
    book = openpyxl.load_workbook(next(p for p in files if p.suffix == ".xlsx"))
    summary = book["各单位汇总"]
    units = [summary.cell(row, 2).value for row in range(4, 4 + len(made))]
    assert units == [c.unit for c in made]
    detail = book["指标明细"]
    assert detail.max_row - 1 == sum(len(c.rows) for c in made)
    row = next(r for r in range(4, 4 + len(made)) if summary.cell(r, 2).value == "市公安局")
    assert summary.cell(row, 3).value == len(card.rows)
    assert Decimal(str(summary.cell(row, 5).value)) == round2(card.weight_points)


def test_one_unit_by_name_and_a_clear_message_for_an_unknown_one(rounds, tmp_path):
    current, _ = rounds
    with Round.open(current, readonly=True) as rnd:
        files = write_scorecards(rnd, tmp_path, unit=" 市公安局 ", formats=("pdf",))
        with pytest.raises(EvalError, match="没有单位"):
            write_scorecards(rnd, tmp_path, unit="市不存在局", formats=("docx",))
    assert [p.name for p in files] == ["2026年度_市公安局_部门评价反馈单.pdf"]
    assert files[0].read_bytes().startswith(b"%PDF")


def test_cli_scorecards(rounds, tmp_path):
    current, _ = rounds
    cli = [sys.executable, "-m", "jinan_eval_gui.cli"]
    ok = subprocess.run([*cli, "scorecards", str(current), "--out", str(tmp_path),
                         "--unit", "市大数据局", "--format", "docx"],
                        capture_output=True, text=True, encoding="utf-8")
    assert ok.returncode == 0, ok.stderr
    assert "已生成" in ok.stdout and (tmp_path / "2026年度_市大数据局_部门评价反馈单.docx").exists()
    bad = subprocess.run([*cli, "scorecards", str(current), "--out", str(tmp_path),
                          "--unit", "市不存在局"], capture_output=True, text=True,
                         encoding="utf-8")
    assert bad.returncode == 1 and "没有单位" in bad.stderr and "Traceback" not in bad.stderr


@needs_soffice
def test_scorecards_open_in_libreoffice(written, tmp_path):
    _out, files = written
    doc = next(p for p in files if "市工业和信息化局" in p.name and p.suffix == ".docx")
    pdf = convert(doc, tmp_path, "pdf")
    assert pdf.stat().st_size > 10_000
    book = next(p for p in files if p.suffix == ".xlsx")
    assert convert(book, tmp_path / "xlsx", "xlsx").exists()


def test_scorecards_and_analyze_text_have_no_internal_words(written, rounds, cards):
    from internal_words import Checker, docx_texts, report, workbook_texts

    _out, files = written
    cat = cards[0]
    checker = Checker(cat)
    hits = [h for p in files if p.suffix == ".docx" for h in checker.scan(docx_texts(p))]
    hits += [h for p in files if p.suffix == ".xlsx" for h in checker.scan(workbook_texts(p))]
    current, _ = rounds
    text = subprocess.run([sys.executable, "-m", "jinan_eval_gui.cli", "analyze", str(current),
                           "--runs", "300"], capture_output=True, text=True, encoding="utf-8")
    assert text.returncode == 0, text.stderr
    assert "提分空间最大的" in text.stdout and "90% 区间" in text.stdout
    hits += checker.scan([("analyze", text.stdout)])
    assert not hits, report(hits)
