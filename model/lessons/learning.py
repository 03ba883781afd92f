"""Observations of learning: one backpropagation step towards a wrong letter, Gaussian
starting weights against trained ones, and robustness to moving the drawing."""

from __future__ import annotations

import numpy as np

from cnn_studio.model import explain as ex
from cnn_studio.model.ink.transforms import transform_image
from cnn_studio.model.lessons.parts import first_layer, layer_label, letter, probabilities
from cnn_studio.model.lessons.step import Observation, ViewSettings
from cnn_studio.model.nets.keras_build import spec_from_model
from cnn_studio.model.nets.untrained import untrained_network

LEARNING_RATE = 0.01
GAUSSIAN_SEEDS = (0, 1, 2, 3, 4)  # the starts a trained network must beat, every one
#: Moves of the drawing: 1 and 2 pixels left, right, up and down.
SHIFTS = tuple((sign * size * dx, sign * size * dy) for size in (1.0, 2.0)
               for dx, dy in ((1, 0), (0, 1)) for sign in (-1, 1))
MOST = 6  # of the 8 moves that must keep the answer


def backprop(model, image: np.ndarray) -> Observation:
    """One SGD step on one kernel of the first conv layer, aimed at the runner-up letter (a
    wrong one, so the gradients are far from 0), lowers the loss for that letter."""
    index = first_layer(model, "conv2d")
    order = np.argsort(-probabilities(model, image[None])[0], kind="stable")
    answer, target = int(order[0]), int(order[1])
    whole = ex.backprop_step(model, image, target, index, unit=0, learning_rate=LEARNING_RATE,
                             scope="layer")
    gradients = whole.updates[0][1]  # the layer's kernel comes first
    sizes = np.abs(gradients).reshape(-1, gradients.shape[-1]).max(axis=0)
    unit = int(np.argmax(sizes))
    step = ex.backprop_step(model, image, target, index, unit=unit, learning_rate=LEARNING_RATE,
                            scope="filter")
    numbers = {"layer": index, "answer": letter(answer), "target": letter(target),
               "learning_rate": LEARNING_RATE, "kernel": unit,
               "largest_gradient": float(sizes[unit]), "loss_before": step.loss_before,
               "loss_after": step.loss_after}
    holds = bool(target != answer and sizes[unit] > 1e-3 and step.loss_after < step.loss_before)
    verb = "lowers" if step.loss_after < step.loss_before else "raises"
    sentence = (f"The network reads {letter(answer)}. Take {letter(target)}, a wrong letter, as "
                f"the target: the loss is {step.loss_before:.3f}. Backpropagation gives every "
                f"weight of {layer_label(model, index)} its gradient; kernel {unit} has the "
                f"largest, up to {sizes[unit]:.3f}. One step w <- w - {LEARNING_RATE:g} g on "
                f"that kernel {verb} the loss to {step.loss_after:.3f}.")
    if verb == "raises":
        sentence += " The step was too large here: a smaller learning rate would lower it."
    return Observation(holds, sentence, numbers,
                       ViewSettings(layer=index, map=unit, letter=target,
                                    learning_rate=LEARNING_RATE))


def _neighbour_correlation(kernels: np.ndarray) -> float:
    """How much side-by-side weights of (kh, kw, c_in, filters) kernels go together: the mean
    correlation of horizontally and of vertically adjacent taps (0 for independent noise)."""
    pairs = []
    if kernels.shape[1] > 1:
        pairs.append((kernels[:, :-1].ravel(), kernels[:, 1:].ravel()))
    if kernels.shape[0] > 1:
        pairs.append((kernels[:-1].ravel(), kernels[1:].ravel()))
    values = [np.corrcoef(a, b)[0, 1] for a, b in pairs
              if a.size > 2 and a.std() > 0 and b.std() > 0]
    return float(np.mean(values)) if values else 0.0


def init_vs_trained(model, image: np.ndarray) -> Observation:
    """The same layers with Gaussian starting weights (five seeds) against this network's
    weights: how sure each is of its answer, and how smooth the first-layer kernels are."""
    index = first_layer(model, "conv2d")
    spec = spec_from_model(model)
    starts = [untrained_network(spec, seed) for seed in GAUSSIAN_SEEDS]
    start_probs = np.stack([start.forward(image).probs for start in starts])
    start_smooth = max(_neighbour_correlation(start.layers[index].weights[0])
                       for start in starts)
    surest = int(np.argmax(start_probs.max(axis=1)))
    start_top = int(np.argmax(start_probs[surest]))
    start_p = float(start_probs[surest, start_top])
    now = probabilities(model, image[None])[0]
    now_top = int(np.argmax(now))
    kernels = np.asarray(model.layers[index].kernel.numpy())
    smooth = _neighbour_correlation(kernels)
    numbers = {"seeds": len(GAUSSIAN_SEEDS), "surest_gaussian_seed": GAUSSIAN_SEEDS[surest],
               "gaussian_top": letter(start_top), "gaussian_probability": start_p,
               "chance": 1 / 26, "trained_top": letter(now_top),
               "trained_probability": float(now[now_top]),
               "gaussian_neighbour_correlation": start_smooth,
               "trained_neighbour_correlation": smooth}
    holds = bool(now[now_top] > start_p and smooth > start_smooth)
    sentence = (f"With the same layers but weights drawn from a Gaussian (seeds "
                f"{GAUSSIAN_SEEDS[0]} to {GAUSSIAN_SEEDS[-1]}), the surest best guess for your "
                f"drawing is {letter(start_top)} at only {start_p:.3f} (chance is 1/26 = "
                f"{1 / 26:.3f}); this network's weights give {letter(now_top)} "
                f"{now[now_top]:.3f}. Side-by-side weights of its first-layer kernels go "
                f"together more: correlation {smooth:.2f}, against at most {start_smooth:.2f} "
                "in the Gaussian ones.")
    if not holds:
        sentence = (f"This network is no surer of its answer ({letter(now_top)} "
                    f"{now[now_top]:.3f}) or no smoother in its first-layer kernels "
                    f"(correlation {smooth:.2f}) than the surest and smoothest of "
                    f"{len(GAUSSIAN_SEEDS)} Gaussian starts ({start_p:.3f}, {start_smooth:.2f}): "
                    "it looks untrained, so train it and come back.")
    return Observation(holds, sentence, numbers,
                       ViewSettings(layer=index, map=0, kernel_preset="random_normal"))


def translation(model, image: np.ndarray) -> Observation:
    """The answer for the drawing moved by 1 and 2 pixels in four directions."""
    moved = np.stack([transform_image(image, dx, dy) for dx, dy in SHIFTS])
    probs = probabilities(model, np.concatenate([image[None], moved]))
    answer = int(np.argmax(probs[0]))
    kept = probs[1:].argmax(axis=1) == answer
    ink = image > 0.5 if np.any(image > 0.5) else image > 0
    far = moved[[i for i, (dx, dy) in enumerate(SHIFTS) if max(abs(dx), abs(dy)) == 2]]
    overlap = float(np.mean([(ink & (m > 0.5)).sum() / ink.sum() for m in far]))
    numbers = {"answer": letter(answer), "moves": len(SHIFTS), "kept": int(kept.sum()),
               "needed": MOST, "lowest_probability": float(probs[1:, answer].min()),
               "highest_probability": float(probs[1:, answer].max()),
               "ink_overlap_at_2_pixels": overlap}
    holds = int(kept.sum()) >= MOST
    sentence = (f"Moved by 1 or 2 pixels left, right, up or down, your drawing is still read "
                f"as {letter(answer)} in {int(kept.sum())} of the {len(SHIFTS)} cases (its "
                f"probability {probs[1:, answer].min():.3f} to {probs[1:, answer].max():.3f}), "
                f"although after a 2-pixel move only {overlap:.0%} of the ink lies where ink "
                "was.")
    if not holds:
        sentence += (f" That is fewer than {MOST} of {len(SHIFTS)}: for this drawing the "
                     "network is not robust to small moves.")
    return Observation(holds, sentence, numbers)
