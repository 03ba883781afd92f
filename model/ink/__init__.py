"""Pen strokes and the pixels the network sees: the strokes-v1 format (``strokes``), the one
rasteriser from strokes or bitmaps to 28x28 (``preprocess``) and drawing transforms
(``transforms``). TensorFlow-free.
"""
