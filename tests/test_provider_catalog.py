"""The provider catalogue's house rules: one list of kinds, facts declared once, no import cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import ROOT

from router_core.config import KINDS
from router_core.providers import REGISTRY, provider_class, provider_classes
from router_core.providers.demo import SIMULATED_KINDS
from router_core.providers.fleet import DEMO_SIMULATED_KINDS

PACKAGE = ROOT / "router_core"
REGISTRY_FILE = PACKAGE / "providers" / "__init__.py"


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


# ---- one list of kinds, facts declared once ---------------------------------------------------------------
def test_a_kind_name_is_written_only_in_its_module_and_the_registry():
    """Config, pricing, demo mode and the router derive every per-kind fact from the registry."""
    home = {kind: PACKAGE / "providers" / f"{target.split(':')[0]}.py" for kind, target in REGISTRY.items()}
    seen: dict[str, set[Path]] = defaultdict(set)
    for path in python_files():
        tree = ast.parse(path.read_text(), str(path))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in REGISTRY and id(node) not in skip:
                seen[node.value].add(path)
    strays = {kind: sorted(str(p.relative_to(ROOT)) for p in paths - {home[kind], REGISTRY_FILE})
              for kind, paths in seen.items()}
    assert not {k: v for k, v in strays.items() if v}, f"kind names written outside their module: {strays}"


@pytest.mark.parametrize("kind", REGISTRY)
def test_each_kind_declares_its_facts_on_its_class(kind):
    cls = provider_class(kind)
    assert cls.kind == kind and cls.__module__ == f"router_core.providers.{REGISTRY[kind].split(':')[0]}"
    assert not cls.needs_key or cls.key_envs, "a kind that needs a key names the variable holding it"
    assert not (cls.local and cls.needs_key), "a local runtime needs no key"
    assert cls.default_base_url or cls.local
    assert all(name.isupper() for name in (*cls.key_envs, cls.base_url_env or "X"))


def test_everything_derives_from_the_registry():
    assert KINDS == tuple(REGISTRY)
    simulated = {kind for kind, cls in provider_classes().items() if cls.demo is not None}
    assert set(SIMULATED_KINDS) == set(DEMO_SIMULATED_KINDS) == simulated  # one truth for demo mode


def test_env_example_lists_every_kinds_variables():
    listed = {line.split("=")[0] for line in (ROOT / ".env.example").read_text().splitlines()
              if "=" in line and not line.startswith("#")}
    wanted = {n for cls in provider_classes().values() for n in (*cls.key_envs, cls.base_url_env) if n}
    assert wanted <= listed, f"add to .env.example: {sorted(wanted - listed)}"


def test_router_toml_names_every_kind():
    line = next(l for l in (ROOT / "data" / "router.toml").read_text().splitlines() if "kind is one of:" in l)
    assert line.split("kind is one of:")[1].strip(" .").split() == list(REGISTRY)


# ---- imports ---------------------------------------------------------------------------------------------
def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """router_core modules `path` imports anywhere (functions included), except under `if TYPE_CHECKING:`."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {m for m in found if m in modules and m != name}


def test_the_module_graph_has_no_cycles():
    files = {module_name(p): p for p in python_files()}
    graph = {name: _imports(path, set(files)) for name, path in files.items()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert "router_core.pricing" not in graph["router_core.config"]
    assert "router_core.config" not in graph["router_core.pricing"]
    assert graph["router_core.catalog"] <= {"router_core.errors", "router_core.types"}


def test_config_pricing_and_catalog_import_without_the_http_stack():
    code = ("import sys, router_core.config, router_core.pricing, router_core.catalog, router_core.providers; "
            "print(sorted(m for m in ('aiohttp', 'httpx', 'router_core.providers.base') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
