"""At a narrow width the Activation and Sizes tabs never break a formula across lines
(issue 26 defect 10: at 1366x768 both wrapped mid-formula)."""

from __future__ import annotations

import re

from support_explain import prepared, small_cnn, wait_idle


def test_activation_ranges_stay_on_one_line(explain, qtbot):
    explain.resize(320, 700)
    tab, _image = prepared(explain, qtbot, small_cnn(), "activation_tab")
    wait_idle(explain, qtbot)
    text = tab.summary.text()
    ranges = re.findall(r"range[^ ]+", text)  # up to an ordinary (breakable) space
    assert len(ranges) == 2 and all(".." in part for part in ranges), text  # one unbroken word
    assert re.search(r"\d+\u00a0values", text), text


def test_sizes_formulas_are_never_wrapped(explain, qtbot):
    explain.resize(320, 700)
    tab, _image = prepared(explain, qtbot, small_cnn(), "sizes_tab")
    working = tab.working
    qtbot.wait(50)  # the layout settles
    lines = working.text().splitlines()
    widest = max(working.fontMetrics().horizontalAdvance(line) for line in lines)
    assert widest > working.parentWidget().width() / 2  # long enough to have wrapped
    assert working.height() <= working.fontMetrics().lineSpacing() * (len(lines) + 1)
    assert working.width() >= widest  # each formula on its line, whole (the tab scrolls)
