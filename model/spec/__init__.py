"""Network descriptions: layer types and settings (``network``), instant analysis of shapes,
parameters and problems (``analysis``), the ``*.cnn.json`` format (``files``), ready-made
networks (``presets``) and the app's short help texts (``help_texts``). TensorFlow-free.
"""
