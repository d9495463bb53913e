"""The spec layer (`interop/spec/**`) is pure: formulas, ABIs and addresses that the adapters and
the devnet both import. If it imported an adapter, a client or the devnet, the test oracle would
share code with what it tests again (issue 9), so its imports are checked here, statically."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import interop

SPEC = Path(interop.__file__).parent / "spec"
ALLOWED_INTEROP = ("interop.types", "interop.abi", "interop.errors", "interop.spec")
ALLOWED_THIRD_PARTY = ("eth_abi", "eth_utils", "rlp", "__future__")


def _imports(path: Path) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append(node.module)
    return out


def test_spec_modules_import_only_pure_modules() -> None:
    files = sorted(SPEC.rglob("*.py"))
    assert any(f.parent.name == "opstack" for f in files)
    assert any(f.parent.name == "superchain" for f in files)
    bad = []
    for f in files:
        for m in _imports(f):
            top = m.split(".")[0]
            if top == "interop":
                ok = any(m == a or m.startswith(a + ".") for a in ALLOWED_INTEROP)
            else:
                ok = top in ALLOWED_THIRD_PARTY or top in _STDLIB
            if not ok:
                bad.append(f"{f.relative_to(SPEC)}: {m}")
    assert not bad, bad


_STDLIB = sys.stdlib_module_names
