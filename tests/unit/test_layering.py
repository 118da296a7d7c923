"""The house rules of the import graph: ingest -> index -> assistant (-> assistant.ui), no cycles.

Read from the source with `ast` (imports inside functions count too), so a late import cannot hide a
dependency that points the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ingest", "index", "assistant", "evaluation")
# what each top-level package may import of ours
ALLOWED = {
    "ingest": {"ingest"},
    "index": {"ingest", "index"},
    "assistant": {"ingest", "index", "assistant", "evaluation"},  # `mhqa eval` runs the evaluation harness
    "evaluation": {"ingest", "index", "assistant", "evaluation"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Our modules that `path` imports (a `from package import module` names the module)."""
    ours = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            ours |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            ours.add(node.module)
            ours |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in ours if name.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def test_packages_import_only_downwards() -> None:
    wrong = [
        (name, target)
        for name, targets in graph().items()
        for target in targets
        if target.split(".")[0] not in ALLOWED[name.split(".")[0]]
    ]
    assert wrong == []


def test_answering_modules_do_not_import_the_ui() -> None:
    wrong = [
        (n, t)
        for n, ts in graph().items()
        for t in ts
        if t.startswith("assistant.ui") and not n.startswith("assistant.ui") and n != "assistant.cli"
    ]
    assert wrong == []


def test_the_import_graph_has_no_cycle() -> None:
    edges = graph()
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []
