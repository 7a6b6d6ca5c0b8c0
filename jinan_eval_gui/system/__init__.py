"""Talking to the machine: data folders, atomic and temporary files, file names, logs, OS errors
in Chinese, worker processes (tied to their parent), the few Windows API calls.

Nothing here knows the indicator system; every stage above uses these so that paths, file
writes and processes behave the same (and the Windows way) everywhere.
"""
