"""The training dashboard: settings form (``controls``), background runs (``worker``), live
curves and pictures (``live_views``), results (``confusion_view``) and model files (``files``).
"""
