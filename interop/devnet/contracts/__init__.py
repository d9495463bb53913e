"""Helper contracts of our own that the devnet installs (sources + committed compiled output).

The runtime bytecode is committed beside its source so that starting a devnet needs no Node.js;
`python -m interop.devnet.contracts.compile` rebuilds it with the pinned solc-js from the npm
cache, and a test checks that recompiling gives byte-identical output.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["ARTIFACTS_DIR", "artifact", "runtime_code"]

ARTIFACTS_DIR = Path(__file__).resolve().parent


@cache
def artifact(name: str) -> dict[str, Any]:
    """The committed build record of `<name>.sol`: solc version, settings, runtime hex, abi."""
    data: dict[str, Any] = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
    return data


def runtime_code(name: str) -> bytes:
    """Deployed (runtime) bytecode of one of our helper contracts."""
    return bytes.fromhex(str(artifact(name)["runtime"]).removeprefix("0x"))
