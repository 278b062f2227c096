"""The import graph of kap_console, read from the source with `ast`: every import, including
the ones inside functions and `TYPE_CHECKING` blocks, since each is a dependency a reader has
to follow (and one that runs at first use). Shared by the import-graph test and the
architecture doc's test."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "kap_console"


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_files(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def absolute_module(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module `node` imports from, relative imports resolved against `module`."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(package_dir: Path = PACKAGE_DIR) -> list[Import]:
    """Each import of a kap_console module by another, resolved to the module it names
    (`from a import b` names `a.b` when `b` is a module, else `a`)."""
    modules = module_files(package_dir)
    root = package_dir.name
    found = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = absolute_module(node, module, is_package)
                for alias in node.names:
                    inner = f"{source}.{alias.name}"
                    targets.append(inner if inner in modules else source)
            for target in targets:
                if (target == root or target.startswith(root + ".")) and target != module:
                    found.append(Import(module, target, node.lineno))
    return found


def cycles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.imported)
        graph.setdefault(edge.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups
