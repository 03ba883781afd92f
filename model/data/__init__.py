"""Training sources as one type (``datasets``): synthetic letters, the user's own samples
(``user_samples``), EMNIST (``emnist``) and the built-in real letters (``real_letters``).
TensorFlow-free.
"""
