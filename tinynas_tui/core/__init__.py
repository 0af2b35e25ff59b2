"""Plain types every layer and process shares: events, figure and state names, spaces, the pipeline
config, the dataset spec, budgets and boards, scoring and the Pareto sweep, the trial book, plot scales.

Nothing here imports Optuna, TensorFlow or Textual, or any other layer of this package.
"""
