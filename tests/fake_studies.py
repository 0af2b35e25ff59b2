"""The study-switching side of `FakeEngine`: other studies of a fake storage, stored weights and budgets.

A mixin, so that `fake_engine.py` stays what it was plus one base class.
"""

from __future__ import annotations

from tinynas_tui.core import hypervolume
from tinynas_tui.core.boards import latency_board
from tinynas_tui.core.budgets import Budgets
from tinynas_tui.core.study_names import changes, edited_name, free_name
from tinynas_tui.core.study_summary import StudySummary
from tinynas_tui.core.trial_book import TrialBook


class FakeStudies:
    """Studies by name: (records, saved weights, saved budgets, study budgets) of each, the open one included."""

    def _studies(self) -> dict:
        if not hasattr(self, "_stored"):
            self._stored = {}
            self.ranking_saves = []
            """(study, weights, budgets) of each `save_ranking`."""
            self.applied = []
            """(study, budgets) of each `apply_budgets`."""
            self.saved_weights = self.saved_budgets = None
            self.study_budgets = Budgets()
        return self._stored

    def add_study(self, name, records=(), saved_weights=None, saved_budgets=None, study_budgets=None):
        """Another study of the fake storage."""
        self._studies()[name] = (list(records), saved_weights, saved_budgets, study_budgets or Budgets())

    def _keep_current(self):
        studies = self._studies()
        studies[self.study_name] = (list(self.initial), self.saved_weights, self.saved_budgets, self.study_budgets)

    def list_studies(self, weights):
        self._keep_current()
        out = []
        for name, (records, *_rest) in sorted(self._studies().items()):
            done = [r for r in records if r.state == "complete" and r.values]
            reference = hypervolume.reference_for({}, latency_board("m4-1m").to_dict())  # as `FakeEngine.info`
            out.append(StudySummary(name, len(done), len(records), 0,
                                    max((r.values[0] for r in done), default=None),
                                    max((weights.score(*r.values) for r in done), default=None),
                                    hypervolume.of_values([r.values for r in done], reference) if done else None,
                                    "single-conv", "mnist-5k"))
        return out

    def open_study(self, name):
        self._keep_current()
        records, self.saved_weights, self.saved_budgets, self.study_budgets = self._studies()[name]
        self.study_name, self.initial = name, list(records)
        self.next_number = max((r.number for r in records), default=-1) + 1
        self.seen = TrialBook()
        self.seen.merge(records)
        return self.info(), list(records)

    def renamed_for(self, space, pipeline):
        """As the real engine names the study a space edit starts."""
        self._keep_current()
        base = edited_name(self.study_name, changes(self.space, space, self.pipeline, pipeline))
        return free_name(base if base != self.study_name else f"{base}-2", self._studies())

    def save_ranking(self, weights, budgets):
        self._studies()
        self.ranking_saves.append((self.study_name, weights, budgets))
        self.saved_weights, self.saved_budgets = weights, budgets

    def apply_budgets(self, budgets):
        self._studies()
        self.applied.append((self.study_name, budgets))
        self.study_budgets = budgets
        return self.info()
