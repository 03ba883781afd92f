"""Kept training runs: records written as a run goes, comparisons, robustness, the seeds'
dense-vs-CNN experiment. No Qt."""
