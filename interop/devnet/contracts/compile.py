"""Rebuild the committed artifacts of our helper contracts with solc-js from the npm cache.

Run `python -m interop.devnet.contracts.compile` after editing a `.sol` file here. Settings are
fixed (no metadata hash, no CBOR trailer) so the output depends only on the source and the solc
version, which is what lets a test prove the committed bytecode matches the committed source.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from interop.devnet.install import NPM_PACKAGES, ensure_packages
from interop.errors import DevnetError

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

_NODE_SCRIPT = """
const solc = require(process.argv[1]);
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const out = solc.compile(input);
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(out)}));
});
"""


def compile_source(name: str) -> dict[str, Any]:
    """Compile `<name>.sol` and return {solc, abi, runtime}; raises DevnetError on any error."""
    node = shutil.which("node")
    if node is None:
        raise DevnetError("node is not installed; cannot run solc-js")
    solc_dir = ensure_packages(["solc"]) / "solc"
    source = (HERE / f"{name}.sol").read_text()
    std_input = {
        "language": "Solidity",
        "sources": {f"{name}.sol": {"content": source}},
        "settings": SETTINGS,
    }
    proc = subprocess.run(
        [node, "-e", _NODE_SCRIPT, str(solc_dir)],
        input=json.dumps(std_input),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise DevnetError(f"solc-js failed on {name}.sol", details=proc.stderr[-2000:])
    res = json.loads(proc.stdout)
    errors = [e for e in res["output"].get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise DevnetError(
            f"{name}.sol does not compile",
            details="\n".join(e.get("formattedMessage", "") for e in errors),
        )
    contract = res["output"]["contracts"][f"{name}.sol"][name]
    return {
        "solc": res["version"],
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
