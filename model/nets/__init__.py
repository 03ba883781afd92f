"""Networks that run: spec <-> Keras (``keras_build``), plain Keras code (``keras_code``), model
files (``model_files``), thread-safe inference (``inference``), devices (``devices``) and
hand-made kernels (``kernels``).
"""
