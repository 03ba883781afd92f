"""A newcomer's first start walks the Learn path from its first step to its last (issue 24,
item 3): the path opens by itself, every step opens its view (checked on screen), shows an
observation with the numbers of the person's own drawing, and the place is kept for the next
launch, when the path no longer opens by itself."""

from __future__ import annotations

from support_builder import click, field, type_into
from support_journeys import TF_TIMEOUT, draw_t
from support_widgets import shown as show_widget

from cnn_studio.model.lessons.steps import STEPS


def first_start(qtbot, home, monkeypatch):
    """The window as the app opens it (the Learn path at first start), with TensorFlow."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(home))
    from cnn_studio.gui.app.main_window import MainWindow

    window = MainWindow(learn_at_first_start=True)
    show_widget(qtbot, window, (1366, 768), exposed=False)
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.state.tf_loaded and window.state.idle, timeout=TF_TIMEOUT)
    return window


def on_screen(widget) -> bool:
    """Visible and not hidden behind another dock's tab (Qt moves those off the window)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def view_on_screen(window, target) -> bool:
    """Whether the view ``target`` asks for can be seen, set to the step's tab."""
    panels = window.panels
    if target.view == "canvas":
        return on_screen(panels["draw"].canvas)
    if target.view == "overview":
        return on_screen(window.overview_dock)
    if target.view == "builder":
        return on_screen(window.builder_dock)
    explain = panels["explain"]
    tab = getattr(explain, f"{target.tab}_tab")
    return on_screen(window.explain_dock) and tab.isVisible() \
        and tab.on_screen


def observed(learn) -> bool:
    return learn.observation is not None and learn.observation.applies


def test_a_newcomer_walks_the_learn_path_from_first_step_to_last(qtbot, tmp_path, monkeypatch):
    home = tmp_path / "home"
    window = first_start(qtbot, home, monkeypatch)
    learn, builder = window.panels["learn"], window.panels["builder"]
    assert on_screen(window.learn_dock) and not learn.path_started()
    assert learn.index == 0 and learn.progress_label.text() == f"Step 1 of {len(STEPS)}"

    draw_t(window)  # step 1's action: the drawing every later observation reads
    for number, step in enumerate(STEPS, 1):
        assert learn.step.key == step.key and learn.title_label.text() == step.title
        if step.key == "output_size":  # its action: stride 2 on the first convolution
            first_conv = next(i for i, layer in enumerate(builder.spec.layers)
                              if layer.kind == "conv2d")
            builder.table.select_layer(first_conv)
            type_into(qtbot, field(builder, "stride"), "2")
            qtbot.waitUntil(lambda: window.state.shown is not None
                            and not window.state.shown.trained, timeout=TF_TIMEOUT)
        if step.key == "cross_entropy":  # its action: another true letter
            combo = window.panels["explain"].softmax_tab.true_combo
            qtbot.waitUntil(lambda: observed(learn), timeout=60_000)
            combo.setCurrentIndex((combo.currentIndex() + 3) % combo.count())
        qtbot.waitUntil(lambda: observed(learn), timeout=60_000)
        assert learn.observation_text().startswith(("True here:", "Not true here:"))
        assert learn.network_label.text() == f"Numbers from the {window.state.shown.label}."
        qtbot.waitUntil(lambda s=step: view_on_screen(window, learn.target())
                        and window.learn_views.opened is not None
                        and window.learn_views.opened.view == s.view.view, timeout=10_000)
        assert on_screen(window.learn_dock), f"step {number}: the path stays on screen beside its view"
        if step.key == "output_size":
            assert "untrained" in learn.network_label.text()
            builder.undo()  # back to the trained model for the steps about learning
            qtbot.waitUntil(lambda: window.state.shown.trained, timeout=10_000)
        if number < len(STEPS):
            click(qtbot, learn.next_button)
            assert learn.progress_label.text() == f"Step {number + 1} of {len(STEPS)}"
    assert not learn.next_button.isEnabled() and learn.back_button.isEnabled()
    click(qtbot, learn.back_button)
    assert learn.step.key == STEPS[-2].key
    click(qtbot, learn.next_button)
    window.learn_dock.close()  # the dock's close button: the path is put away
    window.close()

    again = first_start(qtbot, home, monkeypatch)  # the next launch: kept, not forced open
    assert again.panels["learn"].step.key == STEPS[-1].key
    assert again.panels["learn"].path_started() and not again.learn_dock.isVisible()
    again.learn_action.trigger()  # Help > Learn
    assert on_screen(again.learn_dock)
