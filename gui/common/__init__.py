"""Widgets and stores shared by several panels: array pictures (``heatmap``,
``activation_maps``), layer activations (``activation_view``), kernels (``kernel_view``), live
plots (``plots``), thumbnails (``thumbnail_grid``) and the shared sample store (``sample_store``).
"""
