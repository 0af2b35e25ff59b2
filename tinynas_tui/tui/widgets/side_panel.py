"""The side panel: the study's search space and pipeline editor, and the weights and budgets.

Built when the study opens, not before the first frame: until then there is no definition to edit
(showing a default space would show the wrong one for a `blocks` study), and its ~150 widgets cost a
first frame more than everything else on screen together.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

PLACEHOLDER = "Opening the study…"


class SidePanel(Vertical):
    """Tabs "Space" and "Weights", mounted with the first study shown."""

    DEFAULT_CSS = """
    SidePanel > #side-placeholder { color: $text-muted; padding: 1 2; }
    """

    def __init__(self, weights: Any, budgets: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.weights = weights
        self.budgets = budgets
        self._editor: Any = None

    def compose(self) -> ComposeResult:
        if self._editor is None:
            yield Static(PLACEHOLDER, id="side-placeholder")
            return
        from textual.widgets import TabbedContent, TabPane

        from tinynas_tui.tui.widgets.weights_panel import WeightsPanel

        with TabbedContent(initial="tab-space"):
            with TabPane("Space", id="tab-space"):
                yield self._editor
            with TabPane("Weights", id="tab-weights"):
                yield WeightsPanel(self.weights, self.budgets, id="weights")

    async def show_study(self, space: Any, pipeline: Any) -> None:
        """Edit this study's definition; the first call builds the tabs (and waits until they are mounted)."""
        if self._editor is not None:
            self._editor.set_definition(space, pipeline)
            return
        from tinynas_tui.tui.widgets.space_editor import SpaceEditor

        self._editor = SpaceEditor(space, pipeline, id="space-editor")
        await self.recompose()

    def show_tab(self, tab: str) -> None:
        """Switch to ``tab`` ("tab-space" or "tab-weights") and focus its first input."""
        if self._editor is None:
            return
        from textual.widgets import TabbedContent, TabPane

        self.query_one(TabbedContent).active = tab
        inputs = self.query_one(f"#{tab}", TabPane).query("Input")
        if inputs:
            self.call_after_refresh(inputs.first().focus)
