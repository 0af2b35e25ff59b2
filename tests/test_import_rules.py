"""The layering rules: which package may import which, no import circle, and where TensorFlow and
Textual may be loaded.

Every import counts, those inside functions too: a layer that may not import another may not reach it
late either.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tinynas_tui"
HEAVY = ("tensorflow", "tf_keras", "keras", "tensorflow_model_optimization", "ai_edge_litert", "tflite_micro")
ROOT_MODULES = {"tinynas_tui", "tinynas_tui.errors", "tinynas_tui.paths"}
"""The package's own name (PROG, the version), the UsageError and the paths: every layer may use them."""

# Which layers each layer may import (beyond itself and the root modules). A layer named with a module
# (``executor.protocol``) may import only that module of it.
ALLOWED = {
    "core": set(),
    "search": {"core"},
    "executor": {"core"},
    "pipeline": {"core", "executor.protocol", "latency"},
    "latency": {"core"},
    "export": {"core", "search"},
    "run": {"core", "search", "executor", "export", "latency", "tui.engine_api"},
    "tui": {"core"},
    "cli": {"core", "search", "executor", "export", "run", "latency", "tui.factory"},
}
# Third-party packages a layer may not import at all.
FORBIDDEN = {
    "core": {"optuna", "sqlalchemy", "textual", "rich", *HEAVY},
    "search": {"textual", "rich", *HEAVY},
    "executor": {"optuna", "textual", *HEAVY},
    "pipeline": {"optuna", "sqlalchemy", "textual"},
    "latency": {"optuna", "sqlalchemy", "textual", "tensorflow", "tf_keras", "keras", "tensorflow_model_optimization"},
    "export": {"textual", *HEAVY},
    "run": {"textual", *HEAVY},
    "tui": {"optuna", "sqlalchemy", *HEAVY},
    "cli": {"textual", *HEAVY},
}


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(path: Path) -> set[str]:
    """Dotted names a module imports anywhere in it (``from a import b`` gives ``a.b``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{a.name}" for a in node.names)
            names.add(node.module)
    return names


def own_target(name: str, known: dict[str, Path]) -> str | None:
    """The package module ``name`` refers to (the longest known prefix), or None if not ours."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def test_each_layer_imports_only_what_it_may():
    known = modules()
    wrong = []
    for module, path in known.items():
        layer = layer_of(module)
        if layer is None:
            continue
        for name in imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN[layer]:
                wrong.append(f"{module} imports {name}")
            target = own_target(name, known) if top == "tinynas_tui" else None
            if target is None or target in ROOT_MODULES or layer_of(target) == layer:
                continue
            rest = target.removeprefix("tinynas_tui.")
            if not any(rest == allowed or rest.startswith(allowed + ".") for allowed in ALLOWED[layer]):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_only_the_pipeline_imports_the_pipeline():
    known = modules()
    outside = sorted(f"{m} imports {t}" for m, p in known.items() if not m.startswith("tinynas_tui.pipeline")
                     for t in filter(None, (own_target(n, known) for n in imports(p)))
                     if t.startswith("tinynas_tui.pipeline"))
    assert outside == []


def test_there_is_no_import_circle():
    known = modules()
    edges = {m: set() for m in known}
    for module, path in known.items():
        for name in imports(path):
            target = own_target(name, known) if name.startswith("tinynas_tui") else None
            # A module importing its own package's __init__ (as Python does on the way) is no circle.
            if target and target != module and not module.startswith(target + "."):
                edges[module].add(target)
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> list[str] | None:
        seen[module] = 1
        for target in sorted(edges[module]):
            if seen.get(target) == 1:
                return path + [module, target]
            if target not in seen and (circle := visit(target, path + [module])):
                return circle
        seen[module] = 2
        return None

    for module in sorted(known):
        if module not in seen:
            circle = visit(module, [])
            assert circle is None, " -> ".join(circle)


def test_at_most_four_modules_at_the_package_root():
    root = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(root) <= 4, root


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
        "import tinynas_tui.cli, tinynas_tui.cli.search, tinynas_tui.cli.export, tinynas_tui.cli.worker\n"
        "import tinynas_tui.run.headless, tinynas_tui.run.setup, tinynas_tui.run.engine, tinynas_tui.run.study_process\n"
        "import tinynas_tui.executor.trial_executor, tinynas_tui.search.loop, tinynas_tui.export.plan\n"
        "import tinynas_tui.tui.app\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
