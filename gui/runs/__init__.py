"""The kept training runs in the window: the runs table (:mod:`runs_view`) and the comparison
of runs (:mod:`compare_view`)."""
