"""Collection: from the catalogue out to the units and their returned workbooks back in.

:mod:`.templates` writes one workbook per unit, :mod:`.samplefill` fills them with synthetic
returns, :mod:`.xlsxsafe` reads returned files bounded and defused, :mod:`.values` parses what
people type, :mod:`.returns` checks one returned file on its own, :mod:`.importer` decides what it
changes in the round (:mod:`.roundview` the round as it sees it, :mod:`.resend` which file of a
unit counts, :mod:`.yoy` jumps from last year), :mod:`.clearing` empties a stored value on
purpose, and :mod:`.feedback` marks its findings for the unit.
"""
