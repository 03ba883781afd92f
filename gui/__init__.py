"""The Qt side of CNN Studio. Never imports TensorFlow at module level.

Packages: ``app`` (window, shared state, start-up), ``common`` (views and stores the panels
share), and one package per panel: ``draw``, ``builder``, ``training``, ``explain``, ``dataset``.
"""
