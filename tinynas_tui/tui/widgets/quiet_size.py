"""Changing a Line-API widget's scrollable size without a layout of the whole screen."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give ``view`` a new virtual size; lay the screen out again only if a scrollbar comes or goes.

    Assigning ``virtual_size`` asks for a layout of the whole screen (tens of ms with the side panel
    open, on every new table row or longer detail); within the same scrollbars only the thumbs change.
    """
    if size == view.virtual_size:
        return
    if not view.is_mounted or not view.container_size:
        view.virtual_size = size
        return
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)  # Textual's own update of the scrollbars (with a layout if one appears or goes)
    view.refresh()
