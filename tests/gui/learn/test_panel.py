"""The Learn panel clicked through as a learner would: Back / Next, live numbers, saved place."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from support_widgets import shown

from cnn_studio.gui.learn.panel import WAITING, WAITING_MODEL, LearnPanel
from cnn_studio.model.lessons.step import ViewTarget
from cnn_studio.model.lessons.steps import STEPS, step_by_key
from cnn_studio.model.nets.shown import ShownNetwork

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def network():
    from cnn_studio.model.nets.inference import load_default_model

    return load_default_model()


@pytest.fixture(scope="module")
def letters():
    from cnn_studio.model.lessons.check import check_letters

    return {letter.label: letter.image for letter in check_letters()}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private settings file, so the saved step starts empty."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def plain(label) -> str:
    """A rich-text label's text as a person reads it."""
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def run_now(job, on_done):
    """The simplest runner: compute at once (a real window runs the job off the GUI thread)."""
    on_done(job())


class Deferred:
    """A runner that holds jobs until the test delivers them, as a slow worker would."""

    def __init__(self):
        self.jobs = []

    def __call__(self, job, on_done):
        self.jobs.append((job, on_done))

    def deliver(self, index: int):
        job, on_done = self.jobs[index]
        on_done(job())


def make_panel(qtbot, compute=run_now, size=(760, 640)) -> LearnPanel:
    return shown(qtbot, LearnPanel(compute), size)


def drawn_panel(qtbot, network, drawing) -> tuple[LearnPanel, list]:
    """A panel on the trained default network with ``drawing`` in it, and the list of the
    views it asks to open (each request appended)."""
    panel = make_panel(qtbot)
    targets = []
    panel.open_view_requested.connect(targets.append)
    panel.set_network(network, ShownNetwork.trained_model("default"))
    panel.set_drawing(drawing)
    return panel, targets


def test_a_newcomer_walks_the_whole_path_with_their_own_numbers(qtbot, home, network, letters):
    panel, targets = drawn_panel(qtbot, network, letters["H"])
    assert panel.progress_label.text() == f"Step 1 of {len(STEPS)}"
    assert not panel.back_button.isEnabled()
    for number, step in enumerate(STEPS, 1):
        assert panel.progress_label.text() == f"Step {number} of {len(STEPS)}"
        assert panel.title_label.text() == step.title
        assert panel.text_label.text() == step.text
        assert plain(panel.task_label) == f"Try it: {step.task}"
        assert panel.network_label.text() == "Numbers from the trained model default."
        assert panel.observation_text().startswith("True here: "), panel.observation_text()
        assert panel.observation.sentence in panel.observation_text()
        assert targets[-1] == step.view.with_settings(panel.observation.settings)
        if number < len(STEPS):
            qtbot.mouseClick(panel.next_button, LEFT)
    assert len(targets) == len(STEPS)  # each step opened its view once
    assert not panel.next_button.isEnabled() and panel.back_button.isEnabled()
    qtbot.mouseClick(panel.back_button, LEFT)
    assert panel.title_label.text() == STEPS[-2].title


def test_backprop_opens_on_a_wrong_letter(qtbot, home, network, letters):
    panel, targets = drawn_panel(qtbot, network, letters["T"])
    panel.step_combo.setCurrentIndex([s.key for s in STEPS].index("backprop"))
    panel.step_combo.activated.emit(panel.step_combo.currentIndex())
    target = targets[-1]
    assert target.view == "explain" and target.tab == "backprop"
    assert target.settings.letter != 19  # T is what the network reads; the target is another
    assert "Take " in panel.observation_text() and "lowers the loss" in panel.observation_text()


def test_the_place_is_kept_between_launches(qtbot, home, network, letters):
    from cnn_studio.gui.learn.progress import started

    panel = make_panel(qtbot)
    assert not started()  # opening the panel is not yet a start along the path
    for _ in range(4):
        qtbot.mouseClick(panel.next_button, LEFT)
    assert panel.step.key == STEPS[4].key and started()
    panel.close()
    again = make_panel(qtbot)
    assert again.progress_label.text() == f"Step 5 of {len(STEPS)}"
    assert again.title_label.text() == STEPS[4].title


def test_numbers_follow_the_drawing_and_late_answers_are_dropped(qtbot, home, network,
                                                                 letters):
    runner = Deferred()
    panel = make_panel(qtbot, runner)
    panel.go_to([s.key for s in STEPS].index("softmax"))
    panel.set_network(network, ShownNetwork.trained_model("default"))
    panel.set_drawing(letters["H"])
    assert panel.observation_text() == WAITING
    panel.set_drawing(letters["A"])  # drawn again before the first answer came
    runner.deliver(-1)
    assert "A gets" in panel.observation_text()
    runner.deliver(-2)  # the older answer, for H, arrives late: it must not replace A's
    assert "A gets" in panel.observation_text() and "H gets" not in panel.observation_text()


def test_what_it_says_without_a_network_a_drawing_or_a_layer(qtbot, home, letters):
    from cnn_studio.model.nets.keras_build import build_untrained_model
    from cnn_studio.model.spec.presets import get_preset

    panel = make_panel(qtbot)
    targets = []
    panel.open_view_requested.connect(targets.append)
    panel.go_to(1)
    assert panel.observation_text() == WAITING_MODEL
    assert targets[-1] == step_by_key("weighted_sum").view
    dense = build_untrained_model(get_preset("dense"), seed=2)
    panel.set_network(dense, ShownNetwork.edited_untrained("dense", 2))
    assert panel.network_label.text() == ("Numbers from the network being edited, dense, "
                                          "untrained (Gaussian init, seed 2).")
    assert panel.observation_text().startswith("Draw a letter on the canvas first")
    panel.set_drawing(letters["E"])
    panel.go_to([s.key for s in STEPS].index("sliding_kernel"))
    assert panel.observation_text().startswith("This step cannot be shown for this network: "
                                               "it has no Conv2D layer")


def test_show_me_asks_for_the_view_again(qtbot, home, network, letters):
    panel = make_panel(qtbot)
    panel.set_network(network)
    panel.set_drawing(letters["H"])
    panel.go_to([s.key for s in STEPS].index("pooling"))
    with qtbot.waitSignal(panel.open_view_requested) as signal:
        qtbot.mouseClick(panel.show_button, LEFT)
    target = signal.args[0]
    assert isinstance(target, ViewTarget) and target.tab == "pooling"
    assert target.settings.pixel == (panel.observation.numbers["row"],
                                     panel.observation.numbers["col"])


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_reads_at_laptop_and_desktop_sizes(qtbot, home, network, letters, tmp_path, size):
    panel = make_panel(qtbot, size=size)
    panel.set_network(network, ShownNetwork.trained_model("default"))
    panel.set_drawing(letters["H"])
    panel.go_to([s.key for s in STEPS].index("feature_map"))
    qtbot.wait(50)
    picture = panel.grab()
    assert (picture.width(), picture.height()) == size
    assert picture.save(str(tmp_path / f"learn_{size[0]}x{size[1]}.png"))
    for label in (panel.title_label, panel.text_label, panel.observation_label):
        assert label.isVisible() and label.width() <= 760
        assert label.height() >= label.heightForWidth(label.width())  # nothing cut off
    assert panel.next_button.isVisible() and panel.back_button.isVisible()


def test_the_panel_module_does_not_load_tensorflow():
    import subprocess
    import sys

    code = ("import sys; import cnn_studio.gui.learn.panel; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
