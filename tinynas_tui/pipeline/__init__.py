"""Datasets, model building, training, conversion and measurement.

TensorFlow is imported only inside functions of this package, and those run only in the trial worker
process, never in the process that drives the study or the UI.
"""
