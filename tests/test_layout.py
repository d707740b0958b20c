"""The package layout keeps its promises: imports go one way between the layers, no module imports
itself back through another, package `__init__` files stay light, modules and functions stay
small, and no two modules share a name.

Read from the source with `ast` (imports inside functions count too), so a violation is named by
file and line before it can become a tangle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rnncli"

# What each layer may import besides itself. Reading down: the command line calls one module of
# commands/ per command and hands its result to report/; each command composes the layers below
# for itself; the pipeline is what train, sweep and backtest share (a run from its config to its
# finished folder); training trains and knows nothing of scores, intervals or output (it talks to
# a progress object it is given); evaluation holds pure functions of models, prepared data and
# series (no file, no run folder, no config); report shows what evaluation computed; artifacts
# hold run folders and the checkpoint format; data reads and shapes data from plain values (never
# the config); the model and the config stand alone; errors under all.
LOWER = {
    "errors": set(),
    "config": {"errors"},
    "model": {"errors"},
    "data": {"errors"},
    "artifacts": {"data", "model", "errors"},
    "training": {"artifacts", "data", "model", "config", "errors"},
    "evaluation": {"data", "model", "errors"},
    "report": {"evaluation", "artifacts", "data", "config", "errors"},
    "pipeline": {"training", "evaluation", "report", "artifacts", "data", "model", "config", "errors"},
    "commands": {
        "pipeline",
        "training",
        "evaluation",
        "report",
        "artifacts",
        "data",
        "model",
        "config",
        "errors",
    },
    "cli": {"commands", "report", "config", "errors"},
}
# The modules that read or write files: evaluation may not reach one, even through another module.
READS_FILES = ("rnncli.data.reading", "rnncli.data.timeseries", "rnncli.data.profile", "rnncli.artifacts")
MAX_FUNCTION_LINES = 45  # of a function's body (its statements after the docstring), as formatted
MAX_MODULE_LINES = 300
TOP = {
    "cli": "cli",
    "entry": "cli",
    "options": "cli",
    "__main__": "cli",
    "errors": "errors",
    "__init__": "errors",
}  # modules directly in rnncli/


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "errors"  # rnncli itself: its __init__ holds the version alone
    return parts[1] if (PACKAGE / parts[1]).is_dir() else TOP[parts[1]]


def imports(module: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported rnncli module, line) for every import in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("rnncli")]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("rnncli")
            and node.level == 0
        ):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.append((sub if sub in known else node.module, node.lineno))
    return out


def graph() -> dict[str, list[tuple[str, int]]]:
    known = modules()
    return {
        name: [(target, line) for target, line in imports(name, path, known) if target != name]
        for name, path in known.items()
    }


def test_imports_go_one_way_between_layers():
    wrong = [
        f"{known_path(m)}:{line} imports {target} ({layer(m)} may not import {layer(target)})"
        for m, targets in graph().items()
        for target, line in targets
        if layer(target) != layer(m) and layer(target) not in LOWER[layer(m)]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_back_through_another():
    edges = {m: sorted({t for t, _ in targets}) for m, targets in graph().items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in edges.get(m, []):
            if state.get(t) == 1:
                cycles.append(" -> ".join(path[path.index(t) :] + [t]) if t in path else f"{m} -> {t}")
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in edges:
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_training_knows_nothing_of_scores_or_output():
    assert not {"evaluation", "report"} & LOWER["training"]
    wrong = [
        f"{known_path(m)}:{line} imports {target}"
        for m, targets in graph().items()
        if layer(m) == "training"
        for target, line in targets
        if layer(target) in ("evaluation", "report")
    ]
    assert not wrong, "\n".join(wrong)


def test_evaluation_reaches_no_module_that_reads_files():
    # pure functions of models, prepared data and series: not even through a module it imports
    edges = {m: {t for t, _ in targets} for m, targets in graph().items()}
    wrong = []
    for start in (m for m in edges if layer(m) == "evaluation"):
        seen, todo = {start}, [start]
        while todo:
            for t in edges.get(todo.pop(), ()):
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        wrong += [f"{known_path(start)} reaches {t}" for t in sorted(seen) if t.startswith(READS_FILES)]
    assert not wrong, "\n".join(wrong)


def test_cli_calls_the_commands_without_import_aliases():
    tree = ast.parse((PACKAGE / "cli.py").read_text())
    aliased = [
        f"cli.py:{node.lineno} imports {alias.name} as {alias.asname}"
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and (getattr(node, "module", None) or "").startswith("rnncli")
        for alias in node.names
        if alias.asname
    ]
    assert not aliased, aliased
    commands = {f.stem for f in (PACKAGE / "commands").glob("*.py")} - {"__init__"}
    called = {
        node.names[0].name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "rnncli.commands"
    }
    assert called == commands  # every command module is reached from the command line, and nothing else is


def test_the_check_itself_catches_a_wrong_way_import_and_a_cycle():
    assert "training" not in LOWER["data"] and layer("rnncli.data.prepared") == "data"
    assert layer("rnncli.cli") == "cli" and layer("rnncli") == "errors" and layer("rnncli.config") == "config"
    known = modules()
    found = imports("rnncli.data.timeseries", known["rnncli.data.timeseries"], known)
    assert ("rnncli.data.reading", next(line for t, line in found if t == "rnncli.data.reading")) in found
    found = imports("rnncli.pipeline.inputs", known["rnncli.pipeline.inputs"], known)
    assert (
        "rnncli.config",
        next(line for t, line in found if t == "rnncli.config"),
    ) in found  # imports inside functions count


def test_package_init_files_import_nothing_heavy():
    for path in PACKAGE.rglob("__init__.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert all(n is None or n.startswith("rnncli") for n in names), f"{path} imports {names}"


def test_few_modules_at_the_top_and_none_too_long():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 6, top
    long = [
        f"{p.relative_to(PACKAGE.parent)}: {n} lines"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, long


def test_no_function_is_too_long():
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and body_lines(node) > MAX_FUNCTION_LINES
            ):
                long.append(
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}: {body_lines(node)} lines"
                )
    assert not long, long


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """A function's length from its first statement after the docstring to its end: a command's
    signature of typed options is a declaration, not logic."""
    body = node.body
    docstring = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
    first = body[1] if docstring and len(body) > 1 else body[0]
    return node.end_lineno - first.lineno + 1


def test_code_is_formatted_and_linted():
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    root = PACKAGE.parent
    for args in (["format", "--check", "--quiet", "."], ["check", "--quiet", "."]):
        done = subprocess.run([ruff, *args], cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, f"ruff {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-1000:]}"


def test_no_two_modules_share_a_name():
    names: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name != "__init__.py":
            names.setdefault(path.stem, []).append(str(path.relative_to(PACKAGE.parent)))
    assert not {name: paths for name, paths in names.items() if len(paths) > 1}


def known_path(module: str) -> str:
    return str(modules()[module].relative_to(PACKAGE.parent))
