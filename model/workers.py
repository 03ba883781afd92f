"""Work split into chunks and done in worker processes, cancellable between chunks.

Used by the synthetic generator and by the varied rendering of the real letters. Each chunk is
a tuple whose first element is its number; ``make(*chunk)`` does it, ``report(number, part)``
receives the result in whatever order chunks finish, so the caller reassembles by number and
the result never depends on how many processes did the work.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any


def default_workers() -> int:
    """Processes to use: the machine's cores (at least 1)."""
    return max(1, os.cpu_count() or 1)


def _context():
    """Fork while TensorFlow is not loaded (fast start, no re-import); spawn otherwise."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and "tensorflow" not in sys.modules:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now, dropping their unfinished chunks.

    ``shutdown`` alone lets every running chunk finish, which delays closing the app.
    Python 3.14 has ``terminate_workers`` for this; older versions keep the processes in
    ``_processes``, which must be read before ``shutdown`` clears it.
    """
    terminate_workers = getattr(pool, "terminate_workers", None)
    if terminate_workers is not None:
        terminate_workers()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(1.0)


def _check_cancel(cancel, cancelled: Callable[[], Exception],
                  pool: ProcessPoolExecutor | None = None) -> None:
    """Raise ``cancelled()`` when ``cancel`` is set, first stopping ``pool``'s processes."""
    if cancel is not None and cancel.is_set():
        if pool is not None:
            _terminate(pool)
        raise cancelled()


def run_chunks(make: Callable, chunks: Sequence[tuple], workers: int, cancel,
               report: Callable[[int, Any], None],
               cancelled: Callable[[], Exception]) -> None:
    """Do every chunk, in this process (``workers`` <= 1 or one chunk) or in a process pool.

    Args:
        make: picklable function; ``make(*chunk)`` returns the chunk's result.
        chunks: tuples whose first element is the chunk's number.
        workers: processes to use.
        cancel: object with ``is_set()`` (or None), checked between chunks and every 0.2 s
            while the pool works; setting it stops the processes at once.
        report: ``report(number, result)``, called in this process as each chunk finishes.
        cancelled: makes the exception raised on cancel.
    """
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            _check_cancel(cancel, cancelled)
            report(chunk[0], make(*chunk))
        return
    by_number = {chunk[0]: chunk for chunk in chunks}
    with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=_context()) as pool:
        pending = {pool.submit(make, *chunk): chunk[0] for chunk in chunks}
        while pending:
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _check_cancel(cancel, cancelled, pool)
            for future in finished:
                number = pending.pop(future)
                try:
                    part = future.result()
                except BrokenProcessPool:  # e.g. a script without a __main__ guard
                    part = make(*by_number[number])
                report(number, part)
