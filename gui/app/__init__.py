"""The application shell: start-up (``launch``), the main window (``main_window``), the shared
state panels subscribe to (``state``), panel installation (``panels``) and the background
TensorFlow loader (``tf_loader``).
"""
