"""The layering rules: the search and UI layers, and the parent process, never import TensorFlow."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tinynas_tui"
HEAVY = ("tensorflow", "tf_keras", "keras", "tensorflow_model_optimization", "ai_edge_litert", "tflite_micro")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_search_and_tui_layers_import_no_tensorflow_and_no_textual_in_search():
    for layer in ("search", "tui"):
        for path in (PACKAGE / layer).rglob("*.py"):
            found = imported_modules(path) & set(HEAVY)
            assert not found, f"{path} imports {found}"
    for path in (PACKAGE / "search").rglob("*.py"):
        assert "textual" not in imported_modules(path), path


def test_pipeline_imports_tensorflow_only_inside_functions():
    for path in (PACKAGE / "pipeline").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] in HEAVY for n in names), f"{path}: top-level {names}"


def test_parent_side_modules_do_not_load_tensorflow():
    code = (
        "import sys\n"
        "import tinynas_tui.cli, tinynas_tui.run.headless, tinynas_tui.run.setup\n"
        "import tinynas_tui.executor.trial_executor, tinynas_tui.search.loop\n"
        "import tinynas_tui.pipeline.datasets, tinynas_tui.core.pipeline_config\n"
        "import tinynas_tui.cli.export, tinynas_tui.export.plan, tinynas_tui.run.engine\n"
        "import tinynas_tui.tui.app\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
