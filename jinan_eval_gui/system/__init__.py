"""Talking to the machine: data folders, atomic files, file names, logs, worker processes.

Nothing here knows the indicator system; every stage above uses these so that paths, file
writes and processes behave the same (and the Windows way) everywhere.
"""
