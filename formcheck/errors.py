"""Errors meant for the person running formcheck, not for a developer.

Every stage raises these when the cause is outside the program (a bad path, a file that is
not a video, a camera that is busy). Their text is shown as is by the CLI, so it is one line
that says what is wrong and what to do about it. Programming errors stay ordinary
exceptions (ValueError, TypeError) with tracebacks.
"""

from __future__ import annotations


class FormcheckError(Exception):
    """A user-facing error: its str is one line saying what is wrong and what to do."""

    def __init__(self, message: str) -> None:
        # Keep it one line even if a path or a backend message carried a newline.
        lines = (line.strip() for line in str(message).splitlines())
        super().__init__(" ".join(line for line in lines if line))


class InputError(FormcheckError):
    """The input (video, camera, stream, image folder) is missing or unreadable; CLI exit code 2."""
