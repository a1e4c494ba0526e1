"""Runs of background work that staff watch: the kinds of run, starting one (never two for the same
work), progress, items and end, the history of runs and the nightly summary."""
