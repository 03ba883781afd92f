"""The Kernels tab writes the bias the same way in its field and in its sentence (issue 26
defect 10: the field showed 0.0025 and the sentence 0.002)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from support_explain import prepared, tiny_preset, wait_idle


def test_bias_reads_the_same_in_the_field_and_the_sentence(explain, qtbot):
    tab, _image = prepared(explain, qtbot, tiny_preset(), "kernels_tab")
    box = tab.bias_spin
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, "0.0025")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    wait_idle(explain, qtbot)
    assert box.text() == "0.0025"
    assert ", bias 0.0025. " in tab.summary.text(), tab.summary.text()
