"""The layout of sim/: imports run one way, the model stays thin, analysis reads results."""

import ast
import importlib
from pathlib import Path

import pytest

from tests.paths import ROOT

SIM = ROOT / "sim"

DISCOVERING = {"sim.mechanisms": "_NOT_MECHANISMS", "sim.policies": "_NOT_LEVERS"}
"""Packages that import their submodules by discovery, and the attribute naming the
submodules they leave out."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sim_modules() -> dict[str, Path]:
    return {module_name(p): p for p in SIM.rglob("*.py")}


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imported_modules(path: Path, name: str, known: set[str]) -> set[str]:
    """Project modules ``path`` imports anywhere (functions included), except inside
    ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node):
        if _type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    out.add(f"{target}.{alias.name}")
                elif target in known:
                    out.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    out.discard(name)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = sim_modules()
    known = set(modules)
    graph = {name: imported_modules(path, name, known) for name, path in modules.items()}
    for package, attr in DISCOVERING.items():
        skip = getattr(importlib.import_module(package), attr)
        graph[package] |= {m for m in known if m.rsplit(".", 1)[0] == package
                           and m.rsplit(".", 1)[1] not in skip and m != package}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None:
                found = dfs(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None:
            found = dfs(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_imports_in_functions_and_skips_type_checking(tmp_path):
    src = tmp_path / "mod.py"
    src.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sim.model\n"
                   "def f():\n    from sim.config import make_config\n", encoding="utf-8")
    found = imported_modules(src, "sim.fake", {"sim.model", "sim.config", "sim.fake"})
    assert found == {"sim.config"}


def test_no_import_cycle_in_sim():
    graph = import_graph()
    assert len(graph) > 30 and "sim.mechanisms.couriers" in graph["sim.mechanisms"]
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize("layer, forbidden", [
    # the analysis of saved results never reruns the model (the executors and studies,
    # which do run it, sit in sim.analysis too, below sim.simulate)
    ("sim.analysis.compare", ("sim.model", "sim.simulate", "sim.mechanisms")),
    ("sim.analysis.report", ("sim.model", "sim.simulate", "sim.mechanisms")),
    ("sim.analysis.sensitivity", ("sim.model", "sim.simulate", "sim.mechanisms")),
    ("sim.analysis", ("sim.model", "sim.mechanisms", "sim.exercise", "experiments")),
    # tabletop exercises drive the model through sim.simulate and its control interface
    ("sim.exercise", ("experiments",)),
    ("sim.schema", ("sim.config", "sim.world", "sim.model")),
    ("sim.policies", ("sim.model", "sim.simulate", "sim.mechanisms")),
    ("sim.mechanisms", ("sim.simulate",)),
])
def test_layers_import_only_downwards(layer, forbidden):
    graph = import_graph()
    for name, deps in graph.items():
        if name == layer or name.startswith(layer + "."):
            bad = sorted(d for d in deps if any(d == f or d.startswith(f + ".") for f in forbidden))
            assert not bad, f"{name} imports {bad}"


def test_the_library_never_imports_hydra():
    for path in SIM.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("hydra", "omegaconf") for n in names), path


def test_the_model_module_stays_thin():
    lines = (SIM / "model.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 300, f"sim/model.py has {lines} lines; mechanisms belong in sim/mechanisms/"
