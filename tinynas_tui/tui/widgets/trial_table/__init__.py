"""The trial table: `TrialTable` (the widget: scrolling, sorting, repaints, with its cursor, follow mode
and filter in `cursor`, `follow` and `filtering`) over `TrialRows` (the sorted, filtered model and each
row's cells, in `rows`; the columns and number formats in `columns`) and `TrialLines` (each screen line's
strip, cached, in `lines`). `TablePane` puts the table over its bar: the filter and the marked count.
"""

from tinynas_tui.tui.widgets.trial_table.pane import TablePane
from tinynas_tui.tui.widgets.trial_table.table import TrialTable

__all__ = ["TablePane", "TrialTable"]
