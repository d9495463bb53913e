"""The devnet's own dispute game implementation (`contracts/L2SequenceNumberGame.sol`).

Current viem calls `l2SequenceNumber()` on every dispute game; the FaultDisputeGame of
contracts-bedrock 0.17.3 (the newest OP Stack contracts in the npm registry; no registry package
ships a later game) has only `l2BlockNumber()`. The devnet registers, for game type 0, a small
contract of ours that delegates every call to the unchanged 0.17.3 game and answers
`l2SequenceNumber()` with `l2BlockNumber()`, as later releases do (docs/devnet-opstack.md).

Its creation code is committed beside the source (`L2SequenceNumberGame.json`) so starting a
devnet needs no Node.js; `python -m interop.devnet.opstack.gamecode` rebuilds it with the pinned
solc-js, and a test checks that recompiling gives byte-identical output.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode

from interop.devnet.install import NPM_PACKAGES
from interop.devnet.solc import compile_standard_json

__all__ = ["NAME", "SETTINGS", "build_record", "creation_code", "deploy_data", "record"]

HERE = Path(__file__).resolve().parent / "contracts"
NAME = "L2SequenceNumberGame"

SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 10_000},
    # paris: no PUSH0, like the 0.17.3 contracts it sits in front of
    "evmVersion": "paris",
    # no metadata hash: the output depends only on the source and the solc version
    "metadata": {"bytecodeHash": "none", "appendCBOR": False},
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
}


def build_record() -> dict[str, Any]:
    """Compile the source with solc-js; the record that is committed as `<NAME>.json`."""
    source = (HERE / f"{NAME}.sol").read_text()
    std_input = {
        "language": "Solidity",
        "sources": {f"{NAME}.sol": {"content": source}},
        "settings": SETTINGS,
    }
    version, out = compile_standard_json(std_input, f"{NAME}.sol")
    contract = out["contracts"][f"{NAME}.sol"][NAME]
    return {
        "contract": NAME,
        "source": f"{NAME}.sol",
        "solc": version,
        "solc_npm": NPM_PACKAGES["solc"],
        "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"},
        "creation": "0x" + contract["evm"]["bytecode"]["object"],
        "abi": contract["abi"],
    }


@cache
def record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / f"{NAME}.json").read_text())
    return data


def creation_code() -> bytes:
    return bytes.fromhex(str(record()["creation"]).removeprefix("0x"))


def deploy_data(game: str) -> bytes:
    """Creation code with the constructor argument: the FaultDisputeGame to delegate to."""
    return creation_code() + abi_encode(["address"], [game])


if __name__ == "__main__":
    rec = build_record()
    (HERE / f"{NAME}.json").write_text(json.dumps(rec, indent=1) + "\n")
    print(
        f"{NAME}: {len(rec['creation']) // 2 - 1} bytes creation code, {rec['solc']}",
        file=sys.stderr,
    )
