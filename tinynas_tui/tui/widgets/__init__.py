"""Reusable widgets of the app, each with its DEFAULT_CSS."""
