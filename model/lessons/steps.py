"""The Learn path: sixteen steps in the order of the seed texts, from pixels to robustness.

Importing this module does not import TensorFlow (the Learn panel lists the steps before it is
loaded): each step's observation is imported when it first runs.
"""

from __future__ import annotations

import importlib

from cnn_studio.model.lessons.step import LessonStep, Observation, Observe, ViewTarget


def _observation(name: str) -> Observe:
    """``observe`` calling function ``name`` ("module.function" in this package) on demand."""
    module_name, function_name = name.rsplit(".", 1)

    def observe(model, image) -> Observation:
        module = importlib.import_module(f"cnn_studio.model.lessons.{module_name}")
        return getattr(module, function_name)(model, image)

    observe.__qualname__ = observe.__name__ = name
    return observe


def _explain(tab: str) -> ViewTarget:
    return ViewTarget("explain", tab)


STEPS: tuple[LessonStep, ...] = (
    LessonStep(
        "pixels", "Pixels are numbers",
        "A network never sees a picture, only numbers. Your drawing is shrunk to a 28 by 28 "
        "grid with one channel (a colour photo would have three): 784 numbers, 0 for empty "
        "paper and up to 1 for full ink. Everything that follows is arithmetic on them.",
        "Draw a letter on the canvas and look at the small 28x28 picture beside it: that grid "
        "is all the network gets.",
        ViewTarget("canvas"), _observation("neurons.pixels")),
    LessonStep(
        "weighted_sum", "A weighted sum plus a bias",
        "A neuron multiplies each number it receives by a weight of its own, adds the products "
        "up and adds one more number, its bias. Large weights mark inputs that matter to it; "
        "training is the search for good weights and biases.",
        "Open the Dense tab, pick a few neurons of the first dense layer and compare their "
        "sums.",
        _explain("dense"), _observation("neurons.weighted_sum")),
    LessonStep(
        "activation", "Activation: ReLU and sigmoid",
        "The sum then goes through an activation function, which bends the straight line of a "
        "weighted sum. ReLU keeps positive values and makes negative ones 0; sigmoid squeezes "
        "every value between 0 and 1. Without such a bend, a stack of layers would be no more "
        "than one weighted sum.",
        "In the Activation tab compare ReLU with sigmoid on the same sums.",
        _explain("activation"), _observation("neurons.activation")),
    LessonStep(
        "sliding_kernel", "A kernel slides with a stride",
        "A convolution layer does not look at the whole image at once. A small grid of weights, "
        "the kernel, is laid on the top-left corner, and its weighted sum with the pixels under "
        "it gives one output number. Then it moves on by the stride, row by row, to the "
        "bottom right.",
        "In the Convolution tab press play and watch the window move over your drawing.",
        _explain("conv"), _observation("convolution.sliding"), needs_drawing=False),
    LessonStep(
        "feature_map", "The feature map",
        "All those outputs of one kernel, in their places, form a feature map: a picture of "
        "where the kernel's pattern occurs. A layer with 32 kernels makes 32 maps. Every pixel "
        "of a map is one dot product of the kernel with the patch under it, plus the bias.",
        "Click the brightest pixel of a feature map and follow its sum.",
        ViewTarget("overview"), _observation("convolution.feature_map")),
    LessonStep(
        "output_size", "Output size: h - f + 1, padding and stride",
        "A kernel f pixels wide fits h - f + 1 times across h pixels, so without padding every "
        "convolution shrinks the picture a little. 'Same' padding adds a border of zeros so the "
        "size stays; a stride of 2 skips every other position and about halves it.",
        "In the layer builder set the first convolution's stride to 2 and watch the sizes "
        "change.",
        _explain("sizes"), _observation("convolution.output_size"), needs_drawing=False),
    LessonStep(
        "edges", "Hand-set kernels find edges",
        "Before networks learned their kernels, people designed them. The Sobel kernels weigh "
        "the pixels on one side of the centre against the other side, so they answer strongly "
        "where the brightness changes: at edges. Trained networks often arrive at similar "
        "kernels on their own.",
        "In the Kernels tab load Sobel x, then Sobel y, and compare their maps on a letter with "
        "straight strokes, such as H or E.",
        _explain("kernels"), _observation("convolution.edges")),
    LessonStep(
        "sharing", "Parameter sharing",
        "One kernel is used at every position of the image: the weights that find a stroke on "
        "the left also find it on the right. That is why a convolution layer needs so few "
        "parameters compared with a dense layer making the same number of outputs.",
        "In the Sizes tab read the parameter count of the first convolution and what a dense "
        "layer would need.",
        _explain("sizes"), _observation("convolution.sharing"), needs_drawing=False),
    LessonStep(
        "pooling", "Max, average and sum pooling",
        "Pooling shrinks a feature map by summarising each small window in one number: the "
        "largest value (max pooling), their mean (average pooling) or their total (sum "
        "pooling). A 2x2 window moving 2 pixels at a time halves the height and the width "
        "(rounding down), and max pooling keeps whether a feature was found while forgetting "
        "exactly where.",
        "In the Pooling tab click a pooled cell and compare the three kinds on its window.",
        _explain("pooling"), _observation("classifier.pooling")),
    LessonStep(
        "flatten", "Flatten",
        "Dense layers take a plain list of numbers, so Flatten lays the stack of feature maps "
        "out as one long row. Nothing is computed, no number changes: only the arrangement.",
        "In the overview follow the last maps into the long strip after them.",
        ViewTarget("overview"), _observation("classifier.flatten")),
    LessonStep(
        "dense", "Dense layers mix the features",
        "In a dense (fully connected) layer every neuron has a weight for every input. After "
        "the convolutions have found features, dense layers combine them: a neuron can fire "
        "for strokes found by several different maps together.",
        "In the Dense tab look at which inputs contribute most to a neuron.",
        _explain("dense"), _observation("classifier.dense")),
    LessonStep(
        "softmax", "Softmax over 26 letters",
        "The last layer gives each of the 26 letters a score. Softmax turns the scores into "
        "probabilities: it raises e to each score, so every value is positive, and divides by "
        "their total, so they add up to 1. The highest probability is the answer.",
        "Draw a letter that could be read two ways (an O or a Q) and watch the probabilities "
        "share out.",
        _explain("softmax"), _observation("classifier.softmax")),
    LessonStep(
        "cross_entropy", "Cross-entropy loss",
        "To learn, the network needs a number that says how wrong it is. Cross-entropy is "
        "minus the natural logarithm of the probability given to the true letter: close to 0 "
        "when that probability is near 1, and large when it is near 0.",
        "In the Softmax tab choose another true letter and watch the loss grow.",
        _explain("softmax"), _observation("classifier.cross_entropy")),
    LessonStep(
        "backprop", "One step of backpropagation",
        "Backpropagation works out, for every weight, how the loss would change if that weight "
        "grew a little: its gradient. One step of gradient descent moves each weight a little "
        "against its gradient, w <- w - learning rate x g, and when the step is small enough the "
        "loss for this drawing drops. "
        "To see large gradients, aim at a letter the network did not answer.",
        "In the Backprop tab, with a wrong letter as the target, compare the loss before and "
        "after the step.",
        _explain("backprop"), _observation("learning.backprop")),
    LessonStep(
        "gaussian_init", "Gaussian start against trained kernels",
        "Before training, the weights are random numbers. The seed texts draw them from a "
        "Gaussian, a bell curve around 0; the untrained network the app shows uses one scaled "
        "to the size of each layer (He's rule). Keras's default, which training starts from "
        "unless the builder says He or Gaussian, draws them evenly from a scaled range "
        "(Glorot). Either way the network has learned nothing yet, so its "
        "answers are guesses. Training turns the noise into kernels with structure, whose "
        "neighbouring weights go together.",
        "In the Kernels tab load the Gaussian random kernel and compare it with the network's "
        "own kernels.",
        _explain("kernels"), _observation("learning.init_vs_trained")),
    LessonStep(
        "translation", "Robust to moving the drawing",
        "A kernel finds its pattern wherever it is, because the same weights slide over every "
        "position, and max pooling keeps a feature found anywhere in its window. So a letter "
        "moved by a pixel or two often keeps its answer, although most of its pixels have "
        "changed: often, not always, so count how many moves keep it.",
        "In the Shift & rotate tab move your drawing a few pixels and watch the answer.",
        _explain("robustness"), _observation("learning.translation")),
)


def step_by_key(key: str) -> LessonStep:
    """The step called ``key``.

    Raises:
        KeyError: there is no such step (the message lists them).
    """
    for step in STEPS:
        if step.key == key:
            return step
    raise KeyError(f"no lesson step {key!r}; the steps are {', '.join(s.key for s in STEPS)}")
