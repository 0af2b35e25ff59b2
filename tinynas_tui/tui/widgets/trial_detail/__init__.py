"""The detail view of one trial: `TrialDetail` (the widget, in `view`) over the finished trial's sections
(`sections`) and the running trial's progress (`running`)."""

from tinynas_tui.tui.widgets.trial_detail.sections import (
    accuracy_text,
    count_text,
    kib_text,
    latency_rows,
    quantization_text,
    value_text,
)
from tinynas_tui.tui.widgets.trial_detail.view import PLACEHOLDER, TrialDetail, describe

__all__ = ["PLACEHOLDER", "accuracy_text", "TrialDetail", "count_text", "describe", "kib_text", "latency_rows", "quantization_text",
           "value_text"]
