"""The built-in letter generator: letter skeletons (``skeletons``), pen letters drawn from them
(``pen_letters``), font letters (``font_letters``) and the mix of both (``generator``).
TensorFlow-free.
"""
