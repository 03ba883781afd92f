"""Helpers shared by the reliability tests: time guards, memory readings, tiny data."""

from __future__ import annotations

import contextlib
import faulthandler
import signal
import sys

import numpy as np


class GuardTimeout(BaseException):  # BaseException so `except Exception` in the
    """Raised by :func:`time_guard` when the guarded code runs too long.

    It derives from BaseException on purpose: code under test that catches ``Exception`` (such
    as ``load_model_file``) must not turn a hang into an ordinary error message.
    """


@contextlib.contextmanager
def time_guard(seconds: float, what: str = "the guarded call"):
    """Fail instead of hanging: a soft SIGALRM timeout plus a hard faulthandler exit.

    The soft guard raises :class:`GuardTimeout` at the next Python instruction; if the code is
    stuck inside C and never gets there, faulthandler dumps every thread and ends the process
    after three times as long, so the run never hangs forever.

    Args:
        seconds: soft limit.
        what: described in the timeout message.
    """

    def expire(_signum, _frame):
        raise GuardTimeout(f"{what} ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds * 3 + 5, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


def rss_mb() -> float:
    """Resident memory of this process in MiB, from ``/proc/self/status``."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line in /proc/self/status")


def easy_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` learnable images: class c is a bright bar on row c + 1 plus a little noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 26
    x = rng.random((n, 28, 28, 1), dtype=np.float32) * 0.1
    for i, label in enumerate(y):
        x[i, label + 1, 2:26, 0] = 1.0
    return x, y.astype(np.int64)
