"""Small EMNIST-style gzip IDX pairs for the import tests (test helper)."""

from __future__ import annotations

import gzip
import struct

import numpy as np


def write_idx(folder, split: str, labels, truncate: bool = False):
    """Write ``emnist-SPLIT-train-images-idx3-ubyte.gz`` and its labels file into ``folder``.

    Image i is a vertical bar (stored transposed, as EMNIST does); labels are EMNIST's own
    numbers (letters: 1..26; byclass: 0..61). ``truncate`` cuts the images file short.

    Returns:
        The images file's path.
    """
    images = np.zeros((len(labels), 28, 28), np.uint8)
    for i in range(len(labels)):
        images[i, 4:24, 3 + i % 20] = 255
    name = f"emnist-{split}-train-images-idx3-ubyte.gz"
    body = struct.pack(">IIII", 0x803, len(labels), 28, 28) + images.tobytes()
    with gzip.open(folder / name, "wb") as handle:
        handle.write(body[:-100] if truncate else body)
    with gzip.open(folder / name.replace("images-idx3", "labels-idx1"), "wb") as handle:
        handle.write(struct.pack(">II", 0x801, len(labels)) + bytes(labels))
    return folder / name
