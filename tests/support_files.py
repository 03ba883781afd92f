"""Files for tests of the readers: a damaged file is refused with an error that says so."""

from __future__ import annotations

from pathlib import Path

import pytest


def assert_refused(read, path: Path, content: bytes | str, error: type[Exception],
                   match: str) -> None:
    """Write ``content`` to ``path``; ``read(path)`` must raise ``error`` matching ``match``."""
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    with pytest.raises(error, match=match):
        read(path)
