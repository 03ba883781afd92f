"""Chunks of work in worker processes: same results anywhere, reported by number, cancellable."""

from __future__ import annotations

import threading

import pytest

from cnn_studio.model import workers


def _square(number: int, value: int) -> int:
    return value * value


class Stopped(Exception):
    pass


@pytest.mark.parametrize("count", [1, 2])
def test_every_chunk_is_reported_under_its_number(count):
    chunks = [(n, n + 10) for n in range(6)]
    seen = {}
    workers.run_chunks(_square, chunks, count, None, seen.__setitem__, Stopped)
    assert seen == {n: (n + 10) ** 2 for n in range(6)}


def test_a_set_cancel_raises_the_callers_exception_and_reports_nothing():
    stop = threading.Event()
    stop.set()
    seen = {}
    for count in (1, 2):
        with pytest.raises(Stopped):
            workers.run_chunks(_square, [(0, 1), (1, 2)], count, stop, seen.__setitem__,
                               Stopped)
    assert seen == {}


def test_default_workers_is_at_least_one():
    assert workers.default_workers() >= 1
