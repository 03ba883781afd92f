"""The Learn panel: the seed texts' story one step at a time, with the person's own numbers
(the steps and their checked observations live in ``model.lessons``)."""
