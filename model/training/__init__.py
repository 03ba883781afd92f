"""Training: the one loop (``loop``), its live link to the app (``live``) and evaluation on
real handwriting (``evaluation``).
"""
