"""Command palette entries: every key binding of the app and the trial table, and a few views.

The entries come from the bindings themselves (description, tooltip and keys), so a new binding is in
the palette without a second list to keep in step. Only the table's cursor moves (the ``MOVE`` group)
are left out: the arrow, page, home and end keys need no palette.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterator

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tinynas_tui.tui.widgets.trial_table import TrialTable
from tinynas_tui.tui.widgets.trial_table.table import MOVE

# (title, action, help) — palette-only entries: app actions with no key of their own.
EXTRA: tuple[tuple[str, str, str], ...] = (
    ("Edit the search space", "focus_space", "Focus the space editor"),
    ("Edit the weights and budgets", "focus_weights", "Focus the weights panel"),
)


def palette_bindings(app: Any) -> list[tuple[Binding, Any]]:
    """The bindings the palette offers, each with the object its action runs on (the app, or the table)."""
    out: list[tuple[Binding, Any]] = [(b, app) for b in type(app).BINDINGS if isinstance(b, Binding)]
    out += [(b, app.table) for b in TrialTable.BINDINGS if isinstance(b, Binding) and b.group is not MOVE]
    return out


class StudyCommands(Provider):
    """Every app and table binding, and the palette-only entries, for the command palette."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        for binding, namespace in palette_bindings(app):
            keys = " · ".join(app.get_key_display(Binding(key, binding.action)) for key in binding.key.split(","))
            yield (f"{binding.description}: {binding.tooltip}", f"{keys}",
                   partial(app.run_action, binding.action, namespace))
        for title, action, help_text in EXTRA:
            yield title, help_text, partial(app.run_action, action)

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
