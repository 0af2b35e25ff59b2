"""`python -m tinynas_tui` is the same entry point as the `tinynas-tui` script."""

from tinynas_tui.cli import main

raise SystemExit(main())
