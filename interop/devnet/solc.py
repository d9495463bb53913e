"""Run solc-js (from the npm cache) on a Solidity standard-JSON input.

Our own devnet contracts are compiled with it at set-up time only; their output is committed, so
starting a devnet never needs node or a compiler.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from interop.devnet.install import ensure_packages
from interop.errors import DevnetError

__all__ = ["compile_standard_json"]

_NODE_SCRIPT = """
const solc = require(process.argv[1]);
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const out = solc.compile(input);
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(out)}));
});
"""


def compile_standard_json(std_input: dict[str, Any], what: str) -> tuple[str, dict[str, Any]]:
    """(solc version, standard-JSON output); `DevnetError` naming `what` on any error."""
    node = shutil.which("node")
    if node is None:
        raise DevnetError("node is not installed; cannot run solc-js", hint="install Node.js")
    solc_dir = ensure_packages(["solc"]) / "solc"
    proc = subprocess.run(
        [node, "-e", _NODE_SCRIPT, str(solc_dir)],
        input=json.dumps(std_input),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise DevnetError(f"solc-js failed on {what}", details=proc.stderr[-2000:])
    res = json.loads(proc.stdout)
    errors = [e for e in res["output"].get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise DevnetError(
            f"{what} does not compile",
            details="\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors),
        )
    return str(res["version"]), res["output"]
