"""The two kinds of failure the whole app shares.

A :class:`UserError` carries the sentence a person reads: what happened and what to do. Every
error type the model raises for bad input or an unusable file derives from it, so the window and
the command line show its text as it is and keep a traceback only for programming errors.
:class:`Cancelled` ends long work that a person stopped. :func:`describe_error` is the one place
that turns any exception into the line a person reads.
"""

from __future__ import annotations


class UserError(ValueError):
    """A failure whose message already says what happened and what to do."""


class Cancelled(Exception):
    """Long work stopped because a person asked it to."""


def is_user_error(error: BaseException) -> bool:
    """Whether ``error``'s text is written for a person (else it is a programming error)."""
    return isinstance(error, UserError | OSError | MemoryError)


def describe_error(error: BaseException) -> str:
    """The line a person reads for ``error``."""
    if isinstance(error, MemoryError):
        return "Not enough memory for this work. Close other programs or use fewer samples."
    if isinstance(error, UserError | OSError):
        text = str(error)
        return text if text else type(error).__name__
    return f"Unexpected error: {type(error).__name__}: {error}"
