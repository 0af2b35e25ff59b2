"""Quiet updates of Line-API views: a new scrollable size without a layout of the whole screen, and
repaints of only the lines on screen that changed."""

from __future__ import annotations

from math import ceil
from typing import Callable

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give ``view`` a new virtual size; lay the screen out again only if a scrollbar comes or goes.

    Assigning ``virtual_size`` asks for a layout of the whole screen (tens of ms with the side panel
    open, on every new table row or longer detail); within the same scrollbars only the thumbs change,
    and a thumb that stays put is not repainted either (a scrollbar repaint costs up to ~3 ms on a busy
    machine). The view's own lines are not repainted: the caller repaints what changed.
    """
    old = view.virtual_size
    if size == old:
        return
    if not view.is_mounted or not view.container_size:
        view.virtual_size = size
        return
    view.set_reactive(ScrollView.virtual_size, size)
    if _same_bars(view, old, size):
        view.vertical_scrollbar.set_reactive(ScrollBar.window_virtual_size, size.height)
        return
    view._scroll_update(size)  # Textual's own update of the scrollbars (with a layout if one appears or goes)


def _same_bars(view: ScrollView, old: Size, new: Size) -> bool:
    """True if only the height changed, the vertical scrollbar is always shown (or never), the
    scroll position stays valid and the vertical thumb would be drawn exactly as it is."""
    styles = view.styles
    if old.width != new.width or styles.overflow_y != "scroll" or not view.show_vertical_scrollbar:
        return False
    if styles.overflow_x == "auto" and view.show_horizontal_scrollbar:
        return False  # its visibility depends on the vertical bar's; keep Textual's logic
    if view.validate_scroll_y(view.scroll_y) != view.scroll_y:
        return False  # a shorter view that must scroll back
    bar = view.vertical_scrollbar
    return _thumb(bar, old.height) == _thumb(bar, new.height)


def _thumb(bar: ScrollBar, virtual_height: int) -> list[tuple[str, object]]:
    """The bar's cells for a virtual height, as `ScrollBar` draws them (colours aside)."""
    window = bar.window_size if bar.window_size < virtual_height else 0
    segments = ScrollBarRender.render_bar(size=bar.size.height, virtual_size=ceil(virtual_height),
                                          window_size=ceil(window), position=bar.position,
                                          thickness=bar.thickness, vertical=True).segments
    return [(segment.text, segment.style) for segment in segments]


def refresh_stale_lines(view: ScrollView, stale: Callable[[int], bool]) -> None:
    """Repaint the lines on screen (rows ``y`` from the top of the view) for which ``stale(y)`` holds,
    one `refresh_lines` per run of them."""
    top, height, start = round(view.scroll_y), view.scrollable_content_region.height, None
    for y in range(height + 1):  # one past the end closes the last run
        if y < height and stale(y):
            if start is None:
                start = y
        elif start is not None:
            view.refresh_lines(top + start, y - start)  # (takes virtual lines)
            start = None
