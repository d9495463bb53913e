"""Rebuild `contracts/build.json` from `contracts/*.sol` with solc-js from the npm cache.

The compiled output is committed so that starting a devnet never needs node or a compiler; a unit
test recompiles and compares, so the committed bytecode cannot drift from the sources.
`python -m interop.devnet.arbitrum.compile` rewrites the file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from interop.devnet.install import ensure_packages
from interop.errors import DevnetError

__all__ = ["BUILD_JSON", "CONTRACTS_DIR", "compile_contracts", "write_build"]

CONTRACTS_DIR = Path(__file__).parent / "contracts"
BUILD_JSON = CONTRACTS_DIR / "build.json"

_JS = """
const solc = require(process.argv[1]);
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const out = solc.compile(input);
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(out)}));
});
"""


def compile_contracts() -> dict[str, Any]:
    """Compile every `contracts/*.sol`; return {name: {abi, bytecode, deployedBytecode}} + meta."""
    node = shutil.which("node")
    if node is None:
        raise DevnetError("node is not installed; cannot run solc-js", hint="install Node.js")
    solc_dir = ensure_packages(["solc"]) / "solc"
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
    proc = subprocess.run(
        [node, "-e", _JS, str(solc_dir)],
        input=json.dumps(std_input),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise DevnetError("solc-js failed", details=proc.stderr[-2000:])
    res = json.loads(proc.stdout)
    out = res["output"]
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise DevnetError(
            "Solidity compilation failed",
            details="\n".join(e.get("formattedMessage", e["message"]) for e in errors),
        )
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
    return {"compiler": f"solc-js {res['version']}", "contracts": contracts}


def render(build: dict[str, Any]) -> str:
    return json.dumps(build, indent=1, sort_keys=True) + "\n"


def write_build() -> Path:
    BUILD_JSON.write_text(render(compile_contracts()))
    return BUILD_JSON


if __name__ == "__main__":
    print(write_build())
