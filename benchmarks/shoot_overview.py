"""Screenshots of the network overview on its own (offscreen), to look at before it ships.

A real handwritten letter from the shipped set (UNIPEN, ``assets/letters``) goes through the
shipped default model (numpy engine) into a ``NetworkOverview`` at its share of a 1366x768
window (1000x560) and of a 1920x1080 one (1500x860). Saved: ``overview_1366.png``,
``overview_1920.png``, ``overview_selected.png`` (a map of layer 4 selected: its connections
and kernel), ``overview_show_all.png`` (layer 7 showing all 128 maps), ``overview_zoom.png``
(half-way into a pixel), ``overview_zoomed.png`` (there) and ``overview_untrained.png`` (the
"deep" preset with Keras' initial weights, labelled untrained; needs TensorFlow).

Usage: ``python benchmarks/shoot_overview.py [OUT_DIR] [--letter R]`` (default ``/tmp``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZES = {"1366": (1000, 560), "1920": (1500, 860)}


def _letter(label: str):
    """The first shipped real letter ``label`` (case kept), as a 28x28 image."""
    from cnn_studio.model.data import real_letters

    letters = real_letters.load_default()
    index = int((letters.labels == ord(label)).nonzero()[0][0])
    return letters.render([index])[0]


def _pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="/tmp", help="folder for the PNG files")
    parser.add_argument("--letter", default="R", help="the letter to draw (A-Z or a-z)")
    args = parser.parse_args()
    out = Path(args.out)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from cnn_studio.gui.overview.widget import NetworkOverview
    from cnn_studio.model.nets.keras_file import load_network
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.storage import paths

    network = load_network(paths.DEFAULT_MODEL_DIR / "default.keras")
    spec = load_spec(paths.DEFAULT_MODEL_DIR / "default.cnn.json")
    weights = [array for layer in network.layers for array in layer.weights]
    image = _letter(args.letter)
    prediction = network.forward(image)

    def overview(size: tuple[int, int]) -> NetworkOverview:
        widget = NetworkOverview()
        widget.resize(*size)
        widget.show()
        widget.show_network(spec, image, prediction.activations, prediction.probs,
                            "trained model: default", weights)
        _pump(app, 0.2)
        return widget

    saved = []
    for name, size in SIZES.items():
        widget = overview(size)
        saved.append(out / f"overview_{name}.png")
        widget.grab().save(str(saved[-1]))
        if name == "1366":
            widget.select_map(3, widget.visible_maps(3)[0])
            _pump(app, 0.1)
            saved.append(out / "overview_selected.png")
            widget.grab().save(str(saved[-1]))
            widget.set_show_all(6, True)
            _pump(app, 0.1)
            saved.append(out / "overview_show_all.png")
            widget.grab().save(str(saved[-1]))
            widget.set_show_all(6, False)
            widget.zoom_to_pixel(3, widget.visible_maps(3)[0], 6, 7)
            _pump(app, 0.17)
            saved.append(out / "overview_zoom.png")
            widget.grab().save(str(saved[-1]))
            _pump(app, 0.5)
            saved.append(out / "overview_zoomed.png")
            widget.grab().save(str(saved[-1]))
        widget.close()
    try:
        from cnn_studio.model.nets.keras_build import build_model
        from cnn_studio.model.nets.numpy_forward import network_from_spec
        from cnn_studio.model.spec.presets import get_preset
    except ImportError as error:
        print(f"no untrained screenshot: {error}", file=sys.stderr)
    else:
        deep = get_preset("deep")
        initial = build_model(deep, seed=0).get_weights()
        untrained = network_from_spec(deep, initial).forward(image)
        widget = NetworkOverview()
        widget.resize(*SIZES["1366"])
        widget.show()
        widget.show_network(deep, image, untrained.activations, untrained.probs,
                            "network being edited (deep), untrained", initial)
        _pump(app, 0.2)
        saved.append(out / "overview_untrained.png")
        widget.grab().save(str(saved[-1]))
    print("\n".join(str(path) for path in saved))
    return 0


if __name__ == "__main__":
    sys.exit(main())
