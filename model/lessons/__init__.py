"""The Learn path as data: steps in the seed texts' order, each with an observation that
computes its claim for a network and a drawing (``steps.STEPS``), and the headless check of all
of them on real letters (``check``). Qt-free; the observations use Keras (``model.explain``)."""
