"""Rebuild `contracts/build.json` from `contracts/*.sol` with solc-js from the npm cache.

The compiled output is committed so that starting a devnet never needs node or a compiler; a unit
test recompiles and compares, so the committed bytecode cannot drift from the sources.
`python -m interop.devnet.arbitrum.compile` rewrites the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from interop.devnet.solc import compile_standard_json

__all__ = ["BUILD_JSON", "CONTRACTS_DIR", "compile_contracts", "write_build"]

CONTRACTS_DIR = Path(__file__).parent / "contracts"
BUILD_JSON = CONTRACTS_DIR / "build.json"


def compile_contracts() -> dict[str, Any]:
    """Compile every `contracts/*.sol`; return {name: {abi, bytecode, deployedBytecode}} + meta."""
    sources = {p.name: {"content": p.read_text()} for p in sorted(CONTRACTS_DIR.glob("*.sol"))}
    std_input = {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "evmVersion": "cancun",
            "outputSelection": {
                "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}
            },
        },
    }
    version, out = compile_standard_json(std_input, "the Arbitrum emulation contracts")
    contracts: dict[str, Any] = {}
    for _file, per_file in sorted(out["contracts"].items()):
        for name, c in sorted(per_file.items()):
            if not c["evm"]["bytecode"]["object"]:
                continue  # interfaces
            contracts[name] = {
                "abi": c["abi"],
                "bytecode": "0x" + c["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + c["evm"]["deployedBytecode"]["object"],
            }
    return {"compiler": f"solc-js {version}", "contracts": contracts}


def render(build: dict[str, Any]) -> str:
    return json.dumps(build, indent=1, sort_keys=True) + "\n"


def write_build() -> Path:
    BUILD_JSON.write_text(render(compile_contracts()))
    return BUILD_JSON


if __name__ == "__main__":
    print(write_build())
