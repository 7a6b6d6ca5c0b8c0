"""济南市新型智慧城市评价工具 (jinan_eval_gui).

The core packages (catalogue, rules, engine, store, templates, importer, export,
report) are plain Python and never import Qt; the ``gui`` package is the only
place that does.
"""

__version__ = "0.1.0"
