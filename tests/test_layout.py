"""The house rules of docs/design.md, read from the code's own imports.

Every import counts, including those inside functions (a lazy import is still a dependency), except
those under ``if TYPE_CHECKING:``, which only name types for annotations.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# docs/design.md, "Who may import whom": a module imports only from its own package or from a
# package of a lower rank. Leaves first, entry points last.
RANKS: dict[str, int] = {
    "dashboard.errors": 0,
    "dashboard.formats": 0,
    "dashboard.csv_export": 0,
    "dashboard.text": 0,
    "dashboard.files": 0,
    "layers": 1,
    "dashboard.access": 1,
    "dashboard.ingest": 1,
    "dashboard.warehouse": 2,
    "dashboard.iris": 3,
    "dashboard.boundaries": 3,
    "dashboard.store": 3,
    "dashboard.maps": 4,
    "dashboard.targeting": 5,
    "dashboard.canvass": 5,
    "dashboard.config": 6,
    "dashboard.demo": 6,
    "dashboard.ui": 7,
    "dashboard.web": 7,
    "dashboard.app": 8,
    "dashboard.server": 8,
    "dashboard.cli": 8,
    "pages": 9,
}
# The only modules allowed at the top of dashboard/: entry points and shared leaves.
TOP_LEVEL = {"__init__", "app", "server", "cli", "config", "errors", "formats", "csv_export", "text", "files"}
STREAMLIT_ALLOWED = ("dashboard.ui", "dashboard.app", "dashboard.server", "pages")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in ("dashboard", "layers", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Project modules imported by ``path`` (``from pkg import submodule`` names the submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # imports for annotations only are not dependencies
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & MODULES.keys()
            names |= submodules
            if len(submodules) < len(node.names):
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return {name for name in names if name in MODULES}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _package(module: str) -> str:
    if module == "dashboard":  # the package's own __init__: a docstring, imports nothing
        return "dashboard.errors"
    best = max((p for p in RANKS if module == p or module.startswith(p + ".")), key=len, default=None)
    assert best is not None, f"{module} belongs to no package of the house plan (docs/design.md)"
    return best


def test_every_module_belongs_to_a_ranked_package() -> None:
    for module in MODULES:
        _package(module)


def test_only_entry_points_and_shared_leaves_at_the_top_of_dashboard() -> None:
    loose = {p.stem for p in (ROOT / "dashboard").glob("*.py")} - TOP_LEVEL
    assert not loose, f"modules loose at the top of dashboard/: {sorted(loose)}"


def test_imports_go_down_the_ranks() -> None:
    wrong = []
    for module, imported in GRAPH.items():
        mine = _package(module)
        for other in imported:
            theirs = _package(other)
            if theirs != mine and RANKS[theirs] >= RANKS[mine]:
                wrong.append(f"{module} -> {other}")
    assert not wrong, "imports against the house plan:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_streamlit_only_in_pages_app_and_ui(module: str) -> None:
    if module.startswith(STREAMLIT_ALLOWED):
        return
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "streamlit" for a in node.names), module
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] != "streamlit", module


def test_layers_use_only_the_formats_module_of_the_app() -> None:
    for module, imported in GRAPH.items():
        if module.startswith("layers"):
            assert {m for m in imported if not m.startswith("layers")} <= {"dashboard.formats"}, module


def test_tests_mirror_the_packages() -> None:
    for package in ("access", "ingest", "warehouse", "iris", "maps", "targeting", "canvass", "store", "demo", "pages"):
        assert any((ROOT / "tests" / package).glob("test_*.py")), f"tests/{package}/ holds no test"
    assert any((ROOT / "tests" / "layers").glob("test_*.py"))
