"""CNN Studio: build, train and understand convolutional networks on handwritten letters.

Installed as ``cnn_studio``: ``cnn_studio.model`` (no Qt), ``cnn_studio.gui`` (no TensorFlow at
module level), ``cnn_studio.cli`` (headless commands) and ``cnn_studio.main`` (entry point).
"""

__version__ = "0.2.0"
