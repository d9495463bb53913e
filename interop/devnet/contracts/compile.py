"""Rebuild the committed artifacts of our helper contracts with solc-js from the npm cache.

Run `python -m interop.devnet.contracts.compile` after editing a `.sol` file here. Settings are
fixed (no metadata hash, no CBOR trailer) so the output depends only on the source and the solc
version, which is what lets a test prove the committed bytecode matches the committed source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from interop.devnet.install import NPM_PACKAGES
from interop.devnet.solc import compile_standard_json

__all__ = ["CONTRACTS", "SETTINGS", "build_record", "compile_source", "write_artifacts"]

HERE = Path(__file__).resolve().parent
CONTRACTS = ("Multicall3",)

SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 10_000},
    # paris: no PUSH0, so the code also runs on chains that have not adopted Shanghai
    "evmVersion": "paris",
    "metadata": {"bytecodeHash": "none", "appendCBOR": False},
    "outputSelection": {"*": {"*": ["abi", "evm.deployedBytecode.object"]}},
}


def compile_source(name: str) -> dict[str, Any]:
    """Compile `<name>.sol` and return {solc, abi, runtime}; raises DevnetError on any error."""
    source = (HERE / f"{name}.sol").read_text()
    std_input = {
        "language": "Solidity",
        "sources": {f"{name}.sol": {"content": source}},
        "settings": SETTINGS,
    }
    version, out = compile_standard_json(std_input, f"{name}.sol")
    contract = out["contracts"][f"{name}.sol"][name]
    return {
        "solc": version,
        "abi": contract["abi"],
        "runtime": "0x" + contract["evm"]["deployedBytecode"]["object"],
    }


def build_record(name: str) -> dict[str, Any]:
    compiled = compile_source(name)
    return {
        "contract": name,
        "source": f"{name}.sol",
        "solc": compiled["solc"],
        "solc_npm": NPM_PACKAGES["solc"],
        "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"},
        "runtime": compiled["runtime"],
        "abi": compiled["abi"],
    }


def write_artifacts() -> None:
    for name in CONTRACTS:
        rec = build_record(name)
        (HERE / f"{name}.json").write_text(json.dumps(rec, indent=1) + "\n")
        print(
            f"{name}: {len(rec['runtime']) // 2 - 1} bytes runtime, {rec['solc']}", file=sys.stderr
        )


if __name__ == "__main__":
    write_artifacts()
