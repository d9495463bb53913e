"""Layer rules of the test infrastructure: the devnet core imports no adapter (it is the oracle
adapters are tested against), and no production module imports `interop.testing`."""

from __future__ import annotations

import ast
from pathlib import Path

import interop

ROOT = Path(interop.__file__).parent
DEVNET_CORE = [
    *(ROOT / "devnet" / f"{m}.py" for m in ("core", "presets", "helpers", "relayloop", "anvil")),
    *sorted((ROOT / "devnet" / "superchain").glob("*.py")),
    *sorted((ROOT / "devnet" / "contracts").glob("*.py")),
]


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_devnet_core_imports_no_adapter() -> None:
    bad = {
        str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.startswith("interop.adapters"))
        for p in DEVNET_CORE
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_no_production_module_imports_the_testing_kit() -> None:
    bad = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if "testing" not in p.relative_to(ROOT).parts
        and any(m == "interop.testing" or m.startswith("interop.testing.") for m in _imports(p))
    ]
    assert bad == []
