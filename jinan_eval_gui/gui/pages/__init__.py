"""One class per workflow page, each with its Designer form under ``forms/``.

The registry names modules instead of importing them, so the main window can show the first
page at once and build the others right after it appears (start-up stays short).
"""

from __future__ import annotations

from importlib import import_module

#: (key, title, module, class) in workflow order.
PAGES = (
    ("overview", "概览", "overview", "OverviewPage"),
    ("catalogue", "指标体系", "catalogue", "CataloguePage"),
    ("issue", "模板下发", "issue", "IssuePage"),
    ("collect", "数据回收", "collect", "CollectPage"),
    ("survey", "市民调查", "survey", "SurveyPage"),
    ("results", "评分结果", "results", "ResultsPage"),
    ("assumptions", "评分口径", "assumptions", "AssumptionsPage"),
    ("export", "报告导出", "export", "ExportPage"),
)


def page_class(key: str) -> type:
    """The page class registered under ``key`` (imported on first use)."""
    for k, _title, module, cls in PAGES:
        if k == key:
            return getattr(import_module(f"{__name__}.{module}"), cls)
    raise KeyError(key)
