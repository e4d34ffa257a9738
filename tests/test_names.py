"""One name, one thing: a public top-level name of the project's code is defined in one module, unless it is one
of the conventions below or the same thing layered (a route or a cached read named after the operation it calls)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "api", "dashboard", "container", "tools")
# Names every module of a kind defines for its framework: a command's register/main, a page's render, a route
# module's router, a logger, a type variable; each generator's generate and each view of the baskets.
CONVENTIONS = {"main", "register", "render", "router", "log", "T", "generate", "from_baskets", "SECTIONS"}


def _top_level_names() -> dict[str, list[tuple[str, ast.AST]]]:
    found: dict[str, list[tuple[str, ast.AST]]] = defaultdict(list)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.parse(path.read_text()).body:
                names: list[str] = []
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names = [node.name]
                elif isinstance(node, ast.Assign):
                    names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names = [node.target.id]
                for name in names:
                    if not name.startswith("_") and name not in CONVENTIONS:
                        found[name].append((module, node))
    return found


def _delegates(node: ast.AST, name: str) -> bool:
    """Whether ``node`` calls (or passes on) another module's ``name``: the same operation, one layer up."""
    return any(isinstance(n, ast.Attribute) and n.attr == name for n in ast.walk(node))


def collisions() -> dict[str, list[str]]:
    clashes = {}
    for name, definitions in _top_level_names().items():
        distinct = [module for module, node in definitions if not _delegates(node, name)]
        if len(distinct) > 1:
            clashes[name] = distinct
    return clashes


def test_no_public_name_is_defined_twice_for_different_things() -> None:
    assert collisions() == {}


def test_a_second_definition_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: a module defining another module's public name is reported (the negative control)."""
    fake = tmp_path / "pipeline"
    fake.mkdir()
    (fake / "one.py").write_text("def shared_name():\n    return 1\n")
    (fake / "two.py").write_text("def shared_name():\n    return 2\n")
    (fake / "three.py").write_text("from pipeline import one\n\n\ndef shared_name():\n    return one.shared_name()\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGES"]), "PACKAGES", ("pipeline",))
    assert collisions() == {"shared_name": ["pipeline.one", "pipeline.two"]}
