"""tinynas-tui: neural architecture search for TinyML image classifiers."""

__version__ = "0.1.0"
