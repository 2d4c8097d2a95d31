"""The package's shape, checked: stages import only from the stages before them, no import
cycles, no private names taken across modules, no module grown past what one reader holds.

docs/ARCHITECTURE.md states these rules; this test keeps them true as the code changes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "rag"
ROOT = SRC.parents[1]

# The stages in the order data flows (docs/ARCHITECTURE.md). A module may import from its own
# layer and the ones before it, never from a later one.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "config", "_util", "progress"),
    ("thai",),
    ("repair",),
    ("document",),
    ("lexical",),
    ("embed",),
    ("index",),
    ("search",),
    ("answer",),
    ("generate",),
    ("ingest_report", "ingest", "api"),
    ("evaluation",),
    ("app",),
]
# Modules over MAX_LINES, each one cohesive thing (docs/ARCHITECTURE.md, "Module size").
MAX_LINES = 400
LONG_MODULES: dict[str, str] = {
    "rag.repair.vowels": "one algorithm: where a slid Thai mark belongs, its candidate moves scored by the "
                         "dictionary under the spelling constraints they share",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path, module: str) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import in the file, lazy ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found.append((base, [alias.name for alias in node.names]))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for target, names in _imports(path, module):
            if not target.startswith("rag"):
                continue
            # "from rag.x import y" where y is a module of its own counts as importing it
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            for t in subs or [target]:
                if t in modules and t != module:
                    graph[module].add(t)
    return graph


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # rag itself: the facade re-exports the public API, lazily
    for i, names in enumerate(LAYERS):
        if parts[1] in names:
            return i
    if parts[1] == "__main__":
        return len(LAYERS)
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and docs/ARCHITECTURE.md")


def test_every_module_imports_only_from_earlier_layers() -> None:
    wrong = []
    for module, targets in _graph().items():
        mine = _layer(module)
        for target in targets:
            theirs = _layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the flow:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt == "rag":
                continue
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("folder", ["src", "tests", "eval", "ui"])
def test_no_private_name_imported_across_modules(folder: str) -> None:
    wrong = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for target, names in _imports(path, "rag.x"):
            if target.startswith("rag"):
                wrong += [f"{path.relative_to(ROOT)}: {target}.{n}" for n in names if n.startswith("_")]
    assert not wrong, "private names imported:\n" + "\n".join(wrong)


def test_modules_stay_small_or_say_why() -> None:
    long = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in _modules().items()}
    over = {m: n for m, n in long.items() if n > MAX_LINES and m not in LONG_MODULES}
    assert not over, f"modules over {MAX_LINES} lines without a stated reason: {over}"
    stale = [m for m in LONG_MODULES if long.get(m, 0) <= MAX_LINES]
    assert not stale, f"LONG_MODULES lists modules that are short now: {stale}"


def test_every_package_says_what_it_takes_and_gives() -> None:
    for init in sorted(SRC.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 8, f"{init.relative_to(ROOT)} needs a docstring"
