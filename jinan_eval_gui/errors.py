"""The one exception hierarchy of the core.

Every error that can reach a user carries a message in Simplified Chinese that
says what is wrong and what to do; the CLI and the GUI show ``str(error)`` and
never a traceback. Programming errors stay ordinary Python exceptions.
"""

from __future__ import annotations


class EvalError(Exception):
    """Base class: an error the user can act on (message in Chinese)."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}{'。' + self.hint if self.hint else ''}"


class CatalogueError(EvalError):
    """The indicator catalogue breaks an invariant (names the indicator and field)."""


class RuleError(CatalogueError):
    """A scoring or validation rule is not valid in the rule language."""


class RoundFileError(EvalError):
    """A round file (.jeval) cannot be created, opened or written."""


class RoundLockedError(RoundFileError):
    """Another program is writing the same round file."""


class RoundDataError(RoundFileError):
    """Content stored in a round file cannot be used (damaged or edited by hand): says where."""


class TemplateError(EvalError):
    """A workbook is not a template of this round or its identity was tampered with."""


class WorkbookFileError(EvalError):
    """A returned file cannot be read safely (not xlsx, encrypted, too large, ...)."""


class ValuesFileError(EvalError):
    """A values table (.json/.xlsx/.csv) is refused as a whole: malformed, wrong headers,
    unknown indicators, inputs, entities or units (says where and what to do)."""


class ExportError(EvalError):
    """The scoring workbook or the report cannot be written."""


class SurveyFileError(EvalError):
    """A survey's questionnaire or response file is refused as a whole (unreadable, hostile,
    wrong encoding, columns that cannot be matched): says where and what to do; nothing stored."""
