"""部门评价反馈单: one scorecard per responsible unit (Word and PDF through the report's
renderers) and one Excel summary of all units."""

from __future__ import annotations

from .document import TITLE, build_card, summary_sentences, write_card
from .model import Action, CardRow, Quality, UnitCard
from .summary import write_summary

__all__ = ["TITLE", "Action", "CardRow", "Quality", "UnitCard", "build_card",
           "summary_sentences", "write_card", "write_summary"]
