"""The drawing panel: the canvas (``canvas``), the live answer (``prediction_view``), the
latest-only inference worker (``inference_worker``) and the panel itself (``panel``).
"""
