"""Explain mode: one tab per concept (conv, pooling, activation, dense, softmax, backprop,
kernels, robustness, saliency, sizes) on a shared base (``base``), computed by ``worker``.
"""
