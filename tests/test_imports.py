"""The house rules of imports: no circles, and every room imports only the rooms below it.

Read from the source with `ast`: every import counts, inside functions and inside
`if TYPE_CHECKING:` blocks too (a type-only import is a dependency all the same, and a circle
through one is a circle). The rules are those in displays/__init__.py:

    app, cli → notices → web → standards, service → board → demo → feeds, realtime
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("feeds", "realtime", "displays", "templates")

# room -> rooms (module prefixes) it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "feeds": ("realtime", "displays"),
    "realtime": ("displays",),
    "displays.demo": ("displays.board", "displays.service", "displays.standards", "displays.web",
                      "displays.notices", "displays.cli", "displays.app"),
    "displays.board": ("displays.service", "displays.standards", "displays.web",
                       "displays.notices", "displays.cli", "displays.app"),
    "displays.service": ("displays.web", "displays.standards", "displays.notices",
                         "displays.cli", "displays.app"),
    "displays.standards": ("displays.service", "displays.web", "displays.notices",
                           "displays.cli", "displays.app"),
    "displays.web": ("displays.notices", "displays.cli", "displays.app"),
    "displays.notices": ("displays.cli", "displays.app"),
    "displays.app": ("displays.cli",),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imported_names(tree: ast.AST) -> Iterator[str]:
    """Every module name an import statement of `tree` may load."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {t for t in imported_names(ast.parse(path.read_text(), str(path)))
                   if t in modules and t != name}
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def broken_rules(graph: dict[str, set[str]]) -> Iterable[str]:
    for source, targets in sorted(graph.items()):
        for room, forbidden in FORBIDDEN.items():
            if not _within(source, room):
                continue
            for target in sorted(targets):
                if any(_within(target, f) for f in forbidden):
                    yield f"{source} imports {target} (room {room} may not)"


GRAPH = import_graph(project_modules())


def test_there_are_no_import_circles() -> None:
    assert circles(GRAPH) == []


def test_every_room_imports_only_downward() -> None:
    assert list(broken_rules(GRAPH)) == []


def test_the_rooms_of_the_shell_exist_and_say_what_they_hold() -> None:
    for room in ("board", "service", "standards", "web", "cli", "notices", "demo"):
        init = ROOT / "displays" / room / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc, f"displays/{room}/__init__.py says what lives there"
        if room != "demo":
            assert "import" in doc.lower(), f"displays/{room} says what it may import"


def test_a_type_only_import_counts() -> None:
    source = ("from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n    from displays.service.runtime import Runtime\n")
    assert "displays.service.runtime" in set(imported_names(ast.parse(source)))


@pytest.mark.parametrize(("graph", "expected_circles", "expected_breaks"), [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]], 0),
    ({"displays.board.x": {"displays.web.y"}, "displays.web.y": set()}, [], 1),
    ({"feeds.x": {"displays.board.y"}, "displays.board.y": {"feeds.x"}},
     [["displays.board.y", "feeds.x"]], 1),
    ({"displays.web.y": {"displays.board.x"}, "displays.board.x": set()}, [], 0),
])
def test_the_checks_catch_what_they_are_for(graph: dict[str, set[str]],
                                            expected_circles: list[list[str]],
                                            expected_breaks: int) -> None:
    assert circles(graph) == expected_circles
    assert len(list(broken_rules(graph))) == expected_breaks
