"""The trial table: `TrialTable` (the widget: cursor, scrolling, sorting, repaints) over `TrialRows`
(the sorted model and each row's cells, in `rows`) and `TrialLines` (each screen line's strip, cached,
in `lines`).
"""

from tinynas_tui.tui.widgets.trial_table.pane import TablePane
from tinynas_tui.tui.widgets.trial_table.table import TrialTable

__all__ = ["TablePane", "TrialTable"]
