"""tinynas-tui: neural architecture search for TinyML image classifiers."""

__version__ = "0.1.0"

PROG = "tinynas-tui"
"""The program's name: its command, its cache folder, the prefix of its one-line errors."""
