"""The yearly workflow as a few calls that the CLI and the GUI share.

Each function takes plain arguments and an optional ``progress(done, total, message)`` callback
(the GUI turns it into Qt signals), opens what it needs, and returns plain results. Nothing here
knows about Qt, argparse or printing.
"""

from __future__ import annotations

from . import (
    assumptions,
    backups,
    board,
    comparison,
    contacts,
    feedbacks,
    findings,
    oplog,
    reminders,
    versions,
)
from .assumptions import export_signoff
from .board import unit_board
from .collection import (
    clear_value,
    collection_status,
    feedback,
    import_files,
    indicator_completeness,
)
from .completeness import export_warnings, round_completeness
from .demo import run_demo
from .export import export_all
from .issue import issue_defaults, issue_templates
from .rounds import create_round, round_catalogue
from .scores import entity_inputs, score_entity, score_round

__all__ = ["board", "comparison", "contacts", "feedbacks", "findings", "issue_defaults", "oplog", "reminders", "unit_board", "versions", "assumptions", "backups", "clear_value", "collection_status", "create_round", "entity_inputs", "export_all", "export_signoff", "export_warnings", "feedback", "import_files", "indicator_completeness", "issue_templates", "round_catalogue", "round_completeness", "run_demo", "score_entity", "score_round"]
