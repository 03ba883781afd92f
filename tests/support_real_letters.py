"""A small real-letters file (UNIPEN layout) with training sites and the default held-out ones.

``install_fake_real_letters(tmp_path, monkeypatch)`` builds it with the project's converter and
makes :func:`model.data.real_letters.load_default` return it, so that the training-data mixer,
the ``train`` command and the dashboard use it instead of the 76,588 shipped letters.
"""

from __future__ import annotations

import gzip
import importlib.util
import json

from cnn_studio.model.data import real_letters as rl
from cnn_studio.model.storage.paths import PROJECT_ROOT

_SPEC = importlib.util.spec_from_file_location(
    "build_real_letters_support", PROJECT_ROOT / "scripts" / "build_real_letters.py")
_BUILD = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_BUILD)

#: site -> (quality, letters written there)
SITES = {"s1": ("OK", "AbcDe"), "s2": ("?", "abcdeFghij"), "art": ("OK", "AbCd"),
         "uqb": ("OK", "EF"), "cea": ("?", "g"), "pri": ("?", "H")}


def _sample(label: str, site: str, quality: str, k: int) -> dict:
    """One letter drawn differently for every (label, case, site, k): no two images agree."""
    code = ord(label.lower()) - ord("a") + (13 if label.isupper() else 0)
    y, x = 20 + 6 * code, 20 + 16 * list(SITES).index(site)
    return {"label": label, "writer": f"{site}/w{k % 2}", "site": site, "quality": quality,
            "strokes": [[[x + 2 * k, y], [260 - k, y + 20]], [[140, 20], [140 + 3 * k, 260]]]}


def fake_samples() -> list[dict]:
    """Letters of every site in :data:`SITES` (upper case the minority outside held-out sites)."""
    return [_sample(label, site, quality, k) for site, (quality, letters) in SITES.items()
            for k, label in enumerate(letters * 3)]


def install_fake_real_letters(tmp_path, monkeypatch) -> rl.RealLetters:
    """Build the fake file under ``tmp_path`` and serve it as the built-in letters."""
    source = tmp_path / "fake_unipen.json.gz"
    data = {"format": "strokes-v1", "canvas": {"width": 280, "height": 280},
            "samples": fake_samples()}
    source.write_bytes(gzip.compress(json.dumps(data).encode("utf-8")))
    _BUILD.build(source, tmp_path / "fake_unipen.npz")
    letters = rl.load(tmp_path / "fake_unipen.npz")
    monkeypatch.setattr(rl, "load_default", lambda: letters)
    return letters
