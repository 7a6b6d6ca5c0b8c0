"""The desktop application (PySide6): the only package of jinan_eval_gui that imports Qt.

Layout: ``app`` (entry point, start-up, screenshots), ``main_window`` (navigation, menus),
``session`` (the open round shared by all pages, background work), ``pages/`` (one class per
workflow page), ``dialogs/``, ``models/`` (item models over the round and the results),
``worker`` (the one generic background worker), ``messages`` (every dialog that reports an
error), ``formloader`` (Designer forms from ``forms/``). The pages call ``workflow`` and
``store``; they hold no scoring, validation or Excel logic of their own.
"""
