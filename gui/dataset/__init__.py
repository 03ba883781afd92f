"""The dataset panel: browse and edit own samples (``panel``, ``sample_actions``), fetch letters
in the background (``workers``, ``source_controls``, ``task_panel``).
"""
