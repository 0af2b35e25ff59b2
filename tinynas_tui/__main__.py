"""`python -m tinynas_tui` is the same entry point as the `tinynas-tui` script."""

from tinynas_tui.cli import main

# The guard matters: spawned trial workers re-import the parent's main module.
if __name__ == "__main__":
    raise SystemExit(main())
