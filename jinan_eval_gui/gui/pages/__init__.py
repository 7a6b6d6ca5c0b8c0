"""One class per workflow page, each with its Designer form under ``forms/``."""

from __future__ import annotations

from .catalogue import CataloguePage
from .collect import CollectPage
from .export import ExportPage
from .issue import IssuePage
from .overview import OverviewPage
from .results import ResultsPage

PAGE_CLASSES = (OverviewPage, CataloguePage, IssuePage, CollectPage, ResultsPage, ExportPage)

__all__ = ["PAGE_CLASSES", "CataloguePage", "CollectPage", "ExportPage", "IssuePage",
           "OverviewPage", "ResultsPage"]
