"""One line about a study of the storage, for the study switcher: its trials and its best results."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StudySummary:
    """A study as the switcher lists it.

    Attributes:
        name: The study's name (from storage: untrusted text).
        complete: Its complete trials.
        total: All its trials, whatever their state.
        running: Its trials running now (in this process or another).
        best_accuracy: The highest accuracy of a complete trial; None without one.
        best_score: The highest score of a complete trial under the weights the list was asked with.
        hypervolume: The study's hypervolume (`tinynas_tui.core.hypervolume`, from its own reference);
            None without a complete trial.
        space: The name of its search space ("?" for a study this program did not make).
        dataset: Its dataset's name.
    """

    name: str
    complete: int
    total: int
    running: int = 0
    best_accuracy: float | None = None
    best_score: float | None = None
    hypervolume: float | None = None
    space: str = "?"
    dataset: str = "?"
