"""Dialogs, each a small QDialog around a Designer form; opened with ``open()`` (no nested
event loop), results delivered by signals."""
