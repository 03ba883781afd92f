"""The seeds' experiment's words follow its numbers, whichever network the numbers favour."""

from __future__ import annotations

from support_runs import record

from cnn_studio.model.runs.dense_vs_cnn import explanation


def _pair(cnn_real, cnn_shift, dense_real, dense_shift):
    cnn = record("classic", real=cnn_real, shift=[(0, cnn_shift[0]), (4, cnn_shift[1])],
                 params=217_434)
    dense = record("dense", real=dense_real, shift=[(0, dense_shift[0]), (4, dense_shift[1])],
                   params=110_426)
    return explanation(dense, cnn)


def test_the_first_convolution_and_its_dense_replacement_are_counted():
    text = " ".join(_pair(0.9, (0.9, 0.6), 0.8, (0.8, 0.2)))
    assert "Conv2D 5x5 416; Conv2D 5x5 12,832; Dense 128 200,832; Dense 26 3,354" in text
    # 784 inputs x 12,544 outputs + 12,544 biases
    assert "(Conv2D 5x5) has 416 parameters" in text and "9,847,040 parameters" in text
    assert "23,671 times as many" in text
    assert "from 28x28 to 7x7" in text


def test_when_the_cnn_wins_the_text_says_so_with_the_numbers():
    accuracy, shift = _pair(0.9, (0.9, 0.6), 0.8, (0.8, 0.2))[-2:]
    assert "classic read 90.0 % and dense 80.0 %: classic read more by 10.0 points" in accuracy
    assert "classic went from 90.0 % to 60.0 % (30.0 points lost)" in shift
    assert "On 1,040 real letters" in accuracy
    assert "(60.0 points lost)" in shift and "classic lost 30.0 points less" in shift
    assert "max-pooling keeps the strongest answer" in shift


def test_when_dense_wins_the_text_never_claims_the_cnn_won():
    text = _pair(0.7, (0.7, 0.1), 0.85, (0.85, 0.6))
    accuracy, shift = text[-2:]
    assert "dense read more by 15.0 points" in accuracy and "classic read more" not in accuracy
    assert "dense lost 35.0 points less than classic" in shift
    assert "classic lost" not in shift and "kernel uses the same weights" not in shift
    assert "was not the one that took the moved letters better" in shift


def test_a_tiny_difference_is_called_about_the_same():
    accuracy, shift = _pair(0.801, (0.8, 0.5), 0.799, (0.8, 0.502))[-2:]
    assert accuracy.endswith("about the same.") and "more by" not in accuracy
    assert "Both lost about the same" in shift and "less" not in shift


def test_missing_figures_are_said_to_be_missing():
    cnn, dense = record("classic"), record("dense", real=0.5)
    accuracy, shift = explanation(dense, cnn)[-2:]
    assert accuracy == "The accuracy on the real letters was not measured for both runs."
    assert "not measured" in shift


def test_when_the_two_measures_disagree_the_text_says_so():
    # measured on this machine (2 epochs): dense lost fewer points, classic kept more
    shift = _pair(0.751, (0.719, 0.123), 0.665, (0.608, 0.073))[-1]
    assert "classic kept 17.1 % of its unmoved accuracy, dense 12.0 %" in shift
    assert "The two measures disagree: dense lost fewer points, but classic kept a larger " \
           "share" in shift
    assert "lost 6.1 points less" not in shift and "kernel uses the same weights" not in shift


def test_one_measure_alone_by_a_little_is_not_called_a_win():
    shift = _pair(0.8, (0.8, 0.4), 0.8, (0.6, 0.2))[-1]  # both lose 40 points
    assert "Only one measure separates them (classic kept a larger share)" in shift
