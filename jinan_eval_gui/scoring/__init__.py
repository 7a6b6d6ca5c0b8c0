"""Scoring: the indicator system's 100-point scale applied to a set of input values.

:mod:`.engine` scores level 3 → 2 → 1 → total from the catalogue's rules and the values it is
given; it knows nothing of files, rounds or Excel, so the CLI, the window, the exports and the
tests all score through it alone.
"""
