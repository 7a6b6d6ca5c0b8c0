"""Outputs: what the office hands on after scoring.

:mod:`.workbook` is the scoring workbook (评分表) whose every number is a live formula;
:mod:`.report` is the evaluation report, one block model rendered to Word and to PDF.
"""
