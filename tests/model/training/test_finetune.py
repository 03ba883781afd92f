"""Fine-tuning on a person's samples: split by sample, model unchanged, progress, cancel."""

from __future__ import annotations

import threading

import keras
import numpy as np
import pytest
from support_real_letters import install_fake_real_letters

from cnn_studio.model.ink.strokes import LETTERS, Sample
from cnn_studio.model.training import finetune as ft


def tiny_model() -> keras.Model:
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(4),
        keras.layers.Flatten(),
        keras.layers.Dense(26, activation="softmax"),
    ])
    return model


def cross(shift: float) -> Sample:
    return Sample([np.array([[40.0 + shift, 40.0], [240.0, 240.0 - shift]]),
                   np.array([[240.0, 40.0 + shift], [40.0 - shift, 240.0]])], "X", "me")


def ring(shift: float) -> Sample:
    t = np.linspace(0, 2 * np.pi, 40)
    return Sample([np.stack([140 + (90 + shift) * np.cos(t), 140 + 90 * np.sin(t)], 1)], "o",
                  "me")


def ell(shift: float) -> Sample:
    return Sample([np.array([[60.0 + shift, 30.0], [60.0, 250.0], [200.0 + shift, 250.0]])], "L")


def builtin() -> tuple:
    """Replay letters (L shapes) and a check set of L shapes."""
    x, y = ft.sample_images([ell(s) for s in (0.0, 10.0, 20.0, 30.0)])
    return (x, y), (x[:2], y[:2])


def fast(**changes) -> ft.TeachConfig:
    values = {"steps": 40, "batch": 16, "learning_rate": 3e-3, "copies": 2, "replay": 8,
              "check": 2}
    return ft.TeachConfig(**{**values, **changes})


def test_split_holds_back_by_sample_and_keeps_one_to_teach():
    labels = list("AAAbbCd") + ["A"]
    taught, held = ft.split_by_sample(labels, per_letter=1, seed=4)
    assert not set(taught) & set(held)
    assert sorted([*taught, *held]) == list(range(len(labels)))
    assert sorted(labels[i] for i in held) == ["A", "b"]  # C and d: one sample, taught
    taught2, held2 = ft.split_by_sample(labels, per_letter=5)
    assert sorted(labels[i] for i in taught2) == ["A", "C", "b", "d"]  # one left of each
    assert len(ft.split_by_sample(labels, per_letter=0)[1]) == 0


def test_teach_learns_the_held_back_letters_and_leaves_the_model_alone():
    model = tiny_model()
    original = [w.copy() for w in model.get_weights()]
    samples = [cross(s) for s in (0, 8, 16, 24)] + [ring(s) for s in (0, 8, 16, 24)]
    seen = []
    result = ft.teach(model, samples, fast(), lambda f, text: seen.append(f), builtin=builtin())
    assert all(np.array_equal(a, b) for a, b in zip(original, model.get_weights(), strict=True))
    assert (result.taught, result.held_back, result.steps) == (6, 2, 40)
    assert result.after == 1.0
    assert set(result.per_letter) == {"X", "o"} and result.per_letter["X"][1:] == (1, 1)
    assert result.others_before is not None and result.others_after is not None
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    adapted = keras.models.clone_model(model)
    adapted.set_weights(result.weights)
    x, _ = ft.sample_images([cross(4), ring(4)])
    assert [LETTERS[i] for i in ft.predict_classes(adapted, x)] == ["X", "O"]


def test_cancel_stops_the_run_and_changes_nothing():
    model = tiny_model()
    original = model.get_weights()
    cancel = threading.Event()

    def progress(fraction, text):
        if "step 3 " in text:
            cancel.set()

    with pytest.raises(ft.TeachCancelled):
        ft.teach(model, [cross(0), cross(9)], fast(steps=1000), progress, cancel, builtin())
    assert all(np.array_equal(a, b) for a, b in zip(original, model.get_weights(), strict=True))


def test_the_time_budget_ends_the_run_before_its_steps():
    result = ft.teach(tiny_model(), [cross(0), cross(9)], fast(steps=10_000, time_budget_s=0.5),
                      builtin=builtin())
    assert 1 <= result.steps < 10_000
    late = ft.teach(tiny_model(), [cross(0), cross(9)], fast(steps=50, time_budget_s=0.001),
                    builtin=builtin())
    assert late.steps == 1  # preparing the letters used up the budget: one step still runs


def test_bad_input_ends_in_a_teach_error():
    with pytest.raises(ft.TeachError, match="no samples"):
        ft.teach(tiny_model(), [], fast(), builtin=builtin())
    with pytest.raises(ft.TeachError, match="needs its letter"):
        ft.teach(tiny_model(), [Sample(cross(0).strokes, None)], fast(), builtin=builtin())
    with pytest.raises(ft.TeachError, match="needs its letter"):  # not a TypeError in the split
        ft.teach(tiny_model(), [cross(0), Sample(cross(0).strokes, None)], fast(),
                 builtin=builtin())
    for bad in ({"steps": 0}, {"own_share": 0.0}, {"learning_rate": 5.0}, {"hold_back": -1}):
        with pytest.raises(ft.TeachError):
            fast(**bad).validate()


def test_misread_letters_lists_each_misread_letter_once():
    model = tiny_model()
    samples = [cross(0), cross(5), ring(0), Sample(cross(0).strokes, None)]
    reads = ft.predict_classes(model, ft.sample_images(samples[:3])[0])
    expected = sorted({s.label for s, r in zip(samples[:3], reads, strict=True)
                       if LETTERS[r] != s.label.upper()})
    assert ft.misread_letters(model, samples) == expected
    assert ft.misread_letters(model, []) == []


def test_builtin_letters_mix_in_training_sites_and_check_on_held_out_sites(tmp_path,
                                                                          monkeypatch):
    from cnn_studio.model.data import real_letters as rl

    letters = install_fake_real_letters(tmp_path, monkeypatch)
    train_idx, held_idx = rl.site_split(letters)
    (rx, ry), (cx, cy) = ft.builtin_letters(40, 10, seed=1)
    assert rx.shape == (40, 28, 28, 1) and cx.shape == (10, 28, 28, 1)
    held_images = letters.render(held_idx)
    train_images = letters.render(train_idx)
    for image in rx[..., 0]:
        assert not any(np.array_equal(image, h) for h in held_images)
    for image in cx[..., 0]:
        assert not any(np.array_equal(image, t) for t in train_images)
