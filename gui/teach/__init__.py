"""Teach it my hand: adapt the active network to one person's handwriting in under a minute.

``panel.install(window)`` adds Tools > "Teach it my hand..." to the window. The dialog asks for
a few samples of the letters the network misreads (or of every letter), draws them on its own
small pad (:mod:`gui.teach.pad`) into the one shared sample store, fine-tunes a copy of the
active network in the background (:mod:`model.training.finetune`, progress and cancel), shows
accuracy before and after on the samples held back from teaching, and offers Save and Revert.
"""
