"""The layer picture holds in the source, not only in the design notes.

Read with `ast` from `interop/**.py`, every import counts: top level, inside functions (lazy) and
under `if TYPE_CHECKING:` (a cycle "in all but name" is still a cycle for whoever reads or splits
the code). An import of `a.b.c` is an edge to the longest module prefix that exists; the parent
packages' `__init__` modules Python runs on the way are not edges (every module would otherwise
depend on `interop/__init__`, whose public names load lazily by string).

(a) no import cycle among interop's modules;
(b) the core (routes, flows, facade, bridging, safety, lookup, resume, journal, cli, actions)
    names no rollup family outside docstrings and help texts: identifiers, imported module
    names and every other string literal are checked;
(c) the devnet (the test oracle) imports no adapter, and production code imports no devnet
    module, except the CLI's `interop devnet` / `--devnet` path, lazily inside its functions
    (the one allowed production entry into `interop.devnet`); `interop.testing` is the shipped
    test kit and may use the devnet;
(d) `interop.spec` imports nothing above it (types, abi, errors and the Ethereum libraries only).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "interop"


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    # a compiled module (interop/_speedups.c) is known by its stub; it imports nothing
    for p in [*ROOT.rglob("*.py"), *ROOT.rglob("*.pyi")]:
        if p.suffix == ".pyi" and p.with_suffix(".py").exists():
            continue
        parts = list(p.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> dict[str, list[tuple[int, bool]]]:
    """Target module -> [(line, at module level?)] for every interop import in `module`."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top = {id(n) for n in tree.body}
    # `if TYPE_CHECKING:` blocks at module level count as module level
    for n in tree.body:
        if isinstance(n, ast.If):
            top |= {id(x) for x in ast.walk(n)}
    out: dict[str, list[tuple[int, bool]]] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        for name in names:
            target = _resolve(name) if name.startswith("interop") else None
            if target and target != module:
                out.setdefault(target, []).append((node.lineno, id(node) in top))
    return out


GRAPH = {m: _imports(m) for m in MODULES}

KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}
"""Import edges the cycle test may ignore, each with its reason. Empty: `interop/` has no import
cycle (`test_no_cycle_needs_an_exemption` keeps it that way)."""


def _cycles(skip: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if (v, w) in skip:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def _explain(cycle: list[str]) -> str:
    inside = set(cycle)
    return "; ".join(
        f"{m} -> {', '.join(sorted(t for t in GRAPH[m] if t in inside))}" for m in cycle
    )


def test_the_graph_is_read() -> None:
    assert "interop.facade" in GRAPH and "interop.bridging" in GRAPH["interop.facade"]
    # a lazy import and a TYPE_CHECKING import are both seen
    assert any(not top for top in (x[1] for x in GRAPH["interop.facade"]["interop.flows"]))
    assert "interop.flows" in GRAPH["interop.bridging"]


def test_no_import_cycle() -> None:
    cycles = _cycles(set(KNOWN_CYCLE_EDGES))
    assert not cycles, "\n".join(_explain(c) for c in cycles)


def test_no_cycle_needs_an_exemption() -> None:
    cycles = _cycles(set())
    assert not cycles, "\n".join(_explain(c) for c in cycles)


FAMILY = re.compile(
    r"op_?stack|optimism|arbitrum|superchain|scroll|linea|zksync|nitro|bedrock|"
    r"orbit|\barb\b|\bop\b",
    re.IGNORECASE,
)
CORE = [
    "routes.py",
    "flows.py",
    "facade.py",
    "bridging.py",
    "safety.py",
    "lookup.py",
    "resume.py",
    "journal.py",
    "cli",
    "actions",
]
_HUMAN_TEXT_KEYWORDS = ("help", "description", "epilog")


def _core_files() -> list[Path]:
    out: list[Path] = []
    for name in CORE:
        p = ROOT / name
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return out


def _family_names(path: Path, root: Path = ROOT.parent) -> list[str]:
    """Every identifier, imported name and string literal naming a family, except docstrings
    (of modules, classes, functions and attributes) and argparse help texts."""
    tree = ast.parse(path.read_text())
    prose: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            prose.add(id(node.value))  # a bare string statement is documentation
        if isinstance(node, ast.keyword) and node.arg in _HUMAN_TEXT_KEYWORDS:
            prose |= {id(x) for x in ast.walk(node.value)}
    found = []
    for node in ast.walk(tree):
        texts: list[str] = []
        if isinstance(node, ast.Name):
            texts = [node.id]
        elif isinstance(node, ast.Attribute):
            texts = [node.attr]
        elif isinstance(node, ast.alias):
            texts = [node.name, node.asname or ""]
        elif isinstance(node, ast.ImportFrom):
            texts = [node.module or ""]
        elif isinstance(node, ast.arg):
            texts = [node.arg]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            texts = [node.name]
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
        ):
            texts = [node.value]
        for t in texts:
            if FAMILY.search(t):
                rel = path.relative_to(root)
                found.append(f"{rel}:{getattr(node, 'lineno', '?')}: {t[:80]!r}")
    return found


def test_the_core_names_no_rollup_family() -> None:
    files = _core_files()
    assert len(files) > 10
    found = [hit for p in files for hit in _family_names(p)]
    assert not found, "\n".join(found)


def test_the_family_check_would_see_a_family_name(tmp_path: Path) -> None:
    """The check itself works: code naming a family in a branch is caught, its docstring not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docs may say opstack."""\n'
        "def f(chain):\n"
        '    """Or Arbitrum."""\n'
        '    return chain.stack == "opstack"\n'
    )
    found = _family_names(sample, root=tmp_path)
    assert len(found) == 1 and "'opstack'" in found[0]


def _production(module: str) -> bool:
    return not module.startswith(("interop.devnet", "interop.testing"))


def test_the_devnet_imports_no_adapter() -> None:
    bad = [
        f"{m} -> {t}"
        for m in GRAPH
        if m.startswith("interop.devnet")
        for t in GRAPH[m]
        if t.startswith("interop.adapters")
    ]
    assert not bad, "\n".join(bad)


def test_production_code_imports_no_devnet_but_the_clis_lazy_entry() -> None:
    bad = []
    for m in GRAPH:
        if not _production(m):
            continue
        for t, uses in GRAPH[m].items():
            if not t.startswith("interop.devnet"):
                continue
            if m == "interop.cli.main" and not any(top for _, top in uses):
                continue  # `interop devnet` and `--devnet`: imported inside the functions
            bad.append(f"{m} -> {t} (lines {[line for line, _ in uses]})")
    assert not bad, "\n".join(bad)


def test_the_spec_imports_nothing_above_it() -> None:
    allowed = ("interop.spec", "interop.types", "interop.abi", "interop.errors")
    bad = [
        f"{m} -> {t}"
        for m in GRAPH
        if m.startswith("interop.spec")
        for t in GRAPH[m]
        if not t.startswith(allowed)
    ]
    assert not bad, "\n".join(bad)


def test_families_sit_below_actions_and_above_the_client() -> None:
    """A family is consulted by actions (the funds check) and reads chains through a client:
    it imports neither adapters, actions, the core above them, nor the devnet."""
    above = ("interop.adapters", "interop.actions", "interop.devnet", "interop.testing")
    core = {f"interop.{c.removesuffix('.py')}" for c in CORE}
    bad = [
        f"{m} -> {t}"
        for m in GRAPH
        if m.startswith("interop.families")
        for t in GRAPH[m]
        if t.startswith(above) or t in core
    ]
    assert not bad, "\n".join(bad)
