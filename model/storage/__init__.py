"""Where the app keeps files and how it reads and writes them safely (``paths``).
"""
