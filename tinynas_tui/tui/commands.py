"""Command palette entries for the study actions and views."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, action, help) — actions are the app's.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Start / resume the study", "start", "Run trials until the target is reached"),
    ("Pause after the current trial", "pause", "The running trial finishes, then the study waits"),
    ("Stop the study now", "stop", "Ends the running trial (asks first)"),
    ("Add 5 more trials", "more_trials", "Raise the target by 5 and run"),
    ("Export the marked trials", "export", ".tflite, C array, params.json, CSV, report"),
    ("Show the Pareto front", "pareto", "Accuracy against size and latency"),
    ("Toggle the worker log", "toggle_log", "TensorFlow and converter output"),
    ("Toggle the side panel", "toggle_sidebar", "Search space and weights"),
    ("Edit the search space", "focus_space", "Focus the space editor"),
    ("Edit the weights and budgets", "focus_weights", "Focus the weights panel"),
)


class StudyCommands(Provider):
    """Study actions for the command palette."""

    async def discover(self) -> Hits:
        for title, action, help_text in COMMANDS:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text)
