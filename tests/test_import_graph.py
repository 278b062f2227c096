"""Imports point one way: no cycle anywhere in kap_console, and no room imports a room above it.

The graph is read from the source (see import_graph.py), so an import inside a function or a
`TYPE_CHECKING` block counts as much as one at the top of a module."""

from __future__ import annotations

import ast
import subprocess
import sys

from import_graph import PACKAGE_DIR, absolute_module, cycles, imports, module_files

# Lowest first. A module may import modules of its own level or lower, never higher.
LEVELS: list[tuple[str, ...]] = [
    # The protocol, and where things live on disk (platform folders, nothing else).
    (
        "kap_console",
        "kap_console.protocol",
        "kap_console.paths",
        "kap_console.file_reading",
        "kap_console.pydantic_plugins",
    ),
    (
        "kap_console.session.events",
        "kap_console.session.clock",
        "kap_console.session.storage",
        "kap_console.session.scales",
        "kap_console.session.errors",
        "kap_console.session.verdicts",
        "kap_console.session.catalog_cache",
        "kap_console.session.gc_pause",
        # Shared wording: local clock times, numbers and shortened text.
        "kap_console.session.timefmt",
        "kap_console.session.words",
        # The protocol bytes a session ran: storage of a protocol, needed by the record's
        # verification as much as by the engine.
        "kap_console.session.pinning",
    ),
    ("kap_console.session.journal",),
    ("kap_console.session.state",),
    ("kap_console.session.rules",),
    ("kap_console.session.record",),
    # What a running session and the catalog lean on: a new session's folder and journal,
    # writing the record at close, finding where a moved session went, a listing row's fields.
    (
        "kap_console.session.opening",
        "kap_console.session.closing",
        "kap_console.session.moves",
        "kap_console.session.catalog_read",
    ),
    ("kap_console.session.engine", "kap_console.session.catalog"),
    # The package's own __init__: the surface the skin, integration and training use.
    ("kap_console.session:surface",),
    ("kap_console.integration", "kap_console.training"),
    # Read by the skin only.
    ("kap_console.settings", "kap_console.themes"),
    ("kap_console.tui",),
    ("kap_console.cli", "kap_console.commands", "kap_console.__main__"),
]


SURFACE_USERS = ("kap_console.tui", "kap_console.integration", "kap_console.training")
# Modules used whole through the surface (`from kap_console.session import events as ev`).
SURFACE_MODULES = {"kap_console.session.events"}


def level_of(module: str) -> int:
    """The level of a module: its longest matching prefix among LEVELS."""
    if module == "kap_console.session":
        module = "kap_console.session:surface"
    best, best_length = -1, -1
    for number, prefixes in enumerate(LEVELS):
        for prefix in prefixes:
            matches = module == prefix or (
                module.startswith(prefix + ".") and prefix != "kap_console"
            )
            if matches and len(prefix) > best_length:
                best, best_length = number, len(prefix)
    if best < 0:
        raise KeyError(f"{module} has no level in LEVELS: place it there")
    return best


def test_every_module_has_a_level() -> None:
    for module in module_files():
        level_of(module)


def test_every_import_names_a_module_that_exists() -> None:
    modules = module_files()
    missing = [
        f"{edge.importer}:{edge.line} imports {edge.imported}"
        for edge in imports()
        if edge.imported not in modules
    ]
    assert missing == []


def test_no_import_cycle_in_kap_console() -> None:
    assert cycles(imports()) == []


def test_no_module_imports_one_from_a_higher_level() -> None:
    upward = [
        f"{edge.importer}:{edge.line} imports {edge.imported}"
        for edge in imports()
        if level_of(edge.importer) < level_of(edge.imported)
    ]
    assert upward == []


def test_state_never_imports_rules_even_at_the_same_package_level() -> None:
    assert not [
        edge
        for edge in imports()
        if edge.importer.startswith("kap_console.session.state")
        and edge.imported.startswith("kap_console.session.rules")
    ]


def _defined_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_each_name_is_imported_from_the_module_that_defines_it() -> None:
    """No facades: `from m import name` finds `name` defined in `m` (or `name` is a module).
    The one surface allowed is kap_console.session's lazy __init__."""
    modules = module_files()
    defined = {
        name: _defined_names(ast.parse(path.read_text(encoding="utf-8")))
        for name, path in modules.items()
    }
    borrowed = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = absolute_module(node, module, is_package)
            if source not in modules or source == "kap_console.session":
                continue
            for alias in node.names:
                is_module = f"{source}.{alias.name}" in modules
                if not is_module and alias.name not in defined[source]:
                    borrowed.append(f"{module}:{node.lineno} takes {alias.name} from {source}")
    assert borrowed == []


def test_the_session_surface_imports_nothing_until_a_name_is_used() -> None:
    """The package __init__ is lazy (PEP 562): importing it loads none of its modules."""
    code = (
        "import sys, kap_console.session as s\n"
        "print(sorted(m for m in sys.modules if m.startswith('kap_console.session.')))\n"
        "s.SaveError\n"
        "print(sorted(m for m in sys.modules if m.startswith('kap_console.session.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "['kap_console.session.errors']"]


def test_the_session_surface_names_each_name_where_it_is_defined() -> None:
    import kap_console.session as surface

    tree = ast.parse((PACKAGE_DIR / "session" / "__init__.py").read_text(encoding="utf-8"))
    typed = {
        alias.name: node.module.removeprefix("kap_console.session.")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kap_console.")
        for alias in node.names
    }
    assert typed == surface.HOMES
    assert sorted(surface.__all__) == sorted(surface.HOMES)
    defined = {
        module: _defined_names(ast.parse(path.read_text(encoding="utf-8")))
        for module, path in module_files().items()
    }
    for name, home in surface.HOMES.items():
        assert name in defined[f"kap_console.session.{home}"], name
        assert getattr(surface, name) is not None


def test_skin_integration_and_training_use_the_session_surface_only() -> None:
    """They import `from kap_console.session import name` (or a module of it, like events),
    never a name from a module inside it: the surface is what they may lean on."""
    inner = [
        f"{edge.importer}:{edge.line} imports {edge.imported}"
        for edge in imports()
        if edge.importer.startswith(SURFACE_USERS)
        and edge.imported.startswith("kap_console.session.")
        and edge.imported not in SURFACE_MODULES
    ]
    assert inner == []


def test_the_graph_sees_imports_in_functions_and_type_checking_blocks(tmp_path) -> None:
    package = tmp_path / "kap_console"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("")
    (package / "inner" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kap_console.inner import b\n"
    )
    (package / "inner" / "b.py").write_text("def f():\n    from . import a\n")
    found = {(edge.importer, edge.imported) for edge in imports(package)}
    assert ("kap_console.inner.a", "kap_console.inner.b") in found
    assert ("kap_console.inner.b", "kap_console.inner.a") in found
    assert cycles(imports(package)) == [["kap_console.inner.a", "kap_console.inner.b"]]


def test_levels_put_the_rooms_in_order() -> None:
    rooms = ["protocol.models", "session.events", "session.journal.read", "session.state.fold"]
    rooms += ["session.rules.alerts", "session.record.build", "session.closing"]
    rooms += ["session.engine", "tui.app"]
    levels = [level_of("kap_console." + room) for room in rooms]
    assert levels == sorted(levels) and len(set(levels)) == len(levels)
