"""The main column's split: the trial table is as tall as its rows (up to its share), the detail takes the rest.

The table is sized by CSS (``height: auto`` up to ``max-height``), but its rows change without a layout
(`quiet_size.set_virtual_size` keeps the screen from being laid out on every new row). So after rows
come or go, `fit_to_rows` asks for a layout only when the table's height would change: while it is
shorter than its share and its rows are more than it shows, or when it shows blank lines under its
last row. A table at its share that gains a row lays nothing out.
"""

from __future__ import annotations

from textual.scroll_view import ScrollView


def fit_to_rows(table: ScrollView) -> None:
    """Lay the screen out again if ``table`` (``height: auto``) no longer has the height its rows need."""
    if not table.is_mounted or table.parent is None or not table.size:
        return
    shown = table.scrollable_content_region.height
    wanted = table.virtual_size.height
    if wanted == shown:
        return
    height = table.outer_size.height
    most = table.styles.max_height
    cap = most.resolve(table.parent.size, table.app.size) if most is not None else None
    least = table.styles.min_height
    floor = least.resolve(table.parent.size, table.app.size) if least is not None else 0
    if (wanted > shown and (cap is None or height < cap)) or (wanted < shown and height > floor):
        table.refresh(layout=True)
