"""Errors that the CLI turns into one clean line on stderr."""
from __future__ import annotations


class TaskmintError(Exception):
    """A domain error: unknown ID, unusable state, bad file. Exit code 1."""

    exit_code = 1


class UsageError(TaskmintError):
    """The command line itself is wrong. Exit code 2."""

    exit_code = 2


class StateError(TaskmintError):
    """State files cannot be used safely; nothing was written."""
