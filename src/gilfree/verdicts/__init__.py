"""Targets, tag matching, verdict rules and package status: pure functions, no I/O."""
