"""Waiting for the other workers of a multi-worker run, within a bounded time and out loud.

TensorFlow's ``MultiWorkerMirroredStrategy`` waits for every worker of ``TF_CONFIG`` with no
time limit and says nothing, so a mistyped address or a worker never started hung the run
for ever. Before the strategy is made, :func:`wait_for_peers` listens on this worker's own
port (so that the others find it) and connects to each other worker's address until all
answer, naming the ones it still waits for every few seconds, and gives up after ``wait_s``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from cnn_studio.model.errors import UserError

REPORT_EVERY_S = 5.0  # how often the workers still missing are named
FIRST_REPORT_S = 2.0  # the first time they are named
PROBE_TIMEOUT_S = 1.0  # one connection attempt to a peer
PROBE_EVERY_S = 0.5  # pause between two rounds of attempts


class ClusterWaitError(UserError):
    """A worker of the cluster did not answer in time (or this worker cannot listen)."""


@dataclass(frozen=True)
class Member:
    """One worker of the cluster: its task ``kind`` (worker or chief), ``index`` and address."""

    kind: str
    index: int
    address: str

    @property
    def name(self) -> str:
        return f"{self.kind} {self.index} at {self.address}"

    def host_port(self) -> tuple[str, int]:
        """The address split into host and port (``[::1]:80`` style brackets removed)."""
        host, _, port = self.address.rpartition(":")
        try:
            return host.strip("[]"), int(port)
        except ValueError:
            raise ClusterWaitError(f"the address {self.address!r} in TF_CONFIG has no port "
                                   "number; write it as host:port") from None


def members(tf_config: str) -> tuple[Member, list[Member]]:
    """``(this worker, the others)`` from a TF_CONFIG text (already checked by the caller)."""
    value = json.loads(tf_config)
    me = (str(value["task"]["type"]), int(value["task"]["index"]))
    everyone = [Member(kind, index, str(address))
                for kind in ("chief", "worker") for index, address in
                enumerate(value["cluster"].get(kind, []))]
    mine = next(member for member in everyone if (member.kind, member.index) == me)
    return mine, [member for member in everyone if member is not mine]


def _answers(member: Member) -> bool:
    try:
        with socket.create_connection(member.host_port(), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def _listen(member: Member) -> socket.socket:
    """A socket listening on this worker's port, so that the others can find it."""
    host, port = member.host_port()
    try:
        listener = socket.create_server((host, port), reuse_port=hasattr(socket, "SO_REUSEPORT"))
    except OSError as error:
        reason = error.strerror or str(error)
        raise ClusterWaitError(f"this worker cannot listen on {member.address} ({reason}): "
                               "check its address in TF_CONFIG, or whether another program "
                               "uses that port") from None
    return listener


def wait_for_peers(tf_config: str, wait_s: float, on_wait: Callable[[str], None],
                   clock: Callable[[], float] = time.monotonic) -> None:
    """Return once every other worker of ``tf_config`` answers on its address.

    Args:
        tf_config: the TF_CONFIG text.
        wait_s: give up after this many seconds.
        on_wait: called with a line naming the workers still missing, after
            :data:`FIRST_REPORT_S` and then every :data:`REPORT_EVERY_S` seconds.
        clock: the time source (seconds).

    Raises:
        ClusterWaitError: a worker did not answer within ``wait_s`` (it is named), or this
            worker cannot listen on its own address.
    """
    me, others = members(tf_config)
    start = clock()
    next_report = start + FIRST_REPORT_S
    missing = list(others)
    with _listen(me):
        while True:
            missing = [member for member in missing if not _answers(member)]
            if not missing:
                return
            now = clock()
            if now - start >= wait_s:
                names = ", ".join(member.name for member in missing)
                raise ClusterWaitError(
                    f"gave up after {wait_s:g} s: {names} did not answer. Start the same "
                    "command there with its own TF_CONFIG, check the address, or wait longer "
                    "with --worker-timeout SECONDS")
            if now >= next_report:
                names = ", ".join(member.name for member in missing)
                on_wait(f"Waiting for {names} ({now - start:.0f} s so far; giving up after "
                        f"{wait_s:g} s)")
                next_report = now + REPORT_EVERY_S
            time.sleep(PROBE_EVERY_S)
