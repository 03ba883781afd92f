"""The model side of CNN Studio: pure Python, numpy and tf.keras. Never imports Qt or the GUI.

Packages: ``spec`` (network descriptions), ``ink`` (pen strokes to pixels), ``synth`` (the
letter generator), ``data`` (training sources), ``nets`` (Keras and numpy networks), ``training``
(the loop and its live link), ``explain`` (the math behind each number), ``storage`` (where
files live and how they are read safely).
"""
