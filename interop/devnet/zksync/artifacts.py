"""Our ZKsync emulation contracts (contracts/ZkSyncEmulation.sol), compiled against the real
interfaces of `@matterlabs/zksync-contracts` (structs, events, the default-leaf constant).

That package ships interfaces only (no L1 implementations, no bytecode). Its tarball is fetched
with `npm pack` into the cache folder (never installed into the shared node_modules: nothing of
it runs, and the devnet's other packages are untouched); solc-js (`interop.devnet.solc`) compiles
our source plus the closure of its imports once, and the output is kept in the cache folder,
keyed by a digest of every source and the settings. Nothing compiled is committed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

from interop.devnet.install import cache_dir, ensure_packages
from interop.devnet.solc import compile_standard_json
from interop.errors import DevnetError

__all__ = ["CONTRACTS", "PACKAGE", "VERSION", "Artifact", "artifact", "build", "package_dir"]

PACKAGE = "@matterlabs/zksync-contracts"
VERSION = "29.0.0"
_OURS = Path(__file__).parent / "contracts"
_UNIT = "interop/ZkSyncEmulation.sol"
CONTRACTS = (
    "EmuZkChain",
    "EmuBridgehub",
    "EmuL1AssetRouter",
    "EmuL1Nullifier",
    "EmuL1Messenger",
    "EmuL2BaseToken",
)
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "viaIR": False,
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}
_IMPORT_RE = re.compile(r'^\s*import\s+(?:[^"\']*\sfrom\s+)?["\']([^"\']+)["\']', re.M)


class Artifact:
    """ABI, creation and runtime bytecode of one compiled contract."""

    def __init__(self, name: str, abi: list[dict[str, Any]], bytecode: bytes, runtime: bytes):
        self.name, self.abi, self.bytecode, self.runtime = name, abi, bytecode, runtime


def package_dir() -> Path:
    """The unpacked package (`.../package`), fetched with `npm pack` once."""
    root = cache_dir() / "npm-pack" / f"zksync-contracts-{VERSION}"
    pkg = root / "package"
    if (pkg / "package.json").exists():
        return pkg
    npm = shutil.which("npm")
    if npm is None:
        raise DevnetError(
            f"npm is not installed, so {PACKAGE}@{VERSION} cannot be fetched",
            hint="install Node.js and npm (e.g. apt-get install nodejs npm), then retry",
        )
    root.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            npm,
            "pack",
            "--silent",
            "--prefer-offline",
            f"{PACKAGE}@{VERSION}",
            "--pack-destination",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    tgz = root / f"matterlabs-zksync-contracts-{VERSION}.tgz"
    if proc.returncode != 0 or not tgz.exists():
        raise DevnetError(
            f"npm pack {PACKAGE}@{VERSION} failed", details=(proc.stderr or "")[-1500:]
        )
    with tarfile.open(tgz) as tar:
        tar.extractall(root, filter="data")
    tgz.unlink()
    return pkg


def _sources(pkg: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    todo = [_UNIT]
    prefix = f"{PACKAGE}/"
    while todo:
        unit = todo.pop()
        if unit in out:
            continue
        if unit.startswith("interop/"):
            path = _OURS / unit.removeprefix("interop/")
        elif unit.startswith(prefix):
            path = pkg / unit.removeprefix(prefix)
        else:
            raise DevnetError(f"ZKsync emulation imports {unit!r}, which is not in {PACKAGE}")
        try:
            text = path.read_text()
        except OSError as exc:
            raise DevnetError(f"ZKsync contract source {unit} is missing: {exc}") from None
        out[unit] = text
        for imp in _IMPORT_RE.findall(text):
            if imp.startswith("."):
                imp = posixpath.normpath(posixpath.join(posixpath.dirname(unit), imp))
            todo.append(imp)
    return out


@functools.cache
def build() -> dict[str, Artifact]:
    """Compile (or read from the cache) every contract in `CONTRACTS`."""
    nm = ensure_packages(["solc"])
    sources = _sources(package_dir())
    solc = json.loads((nm / "solc" / "package.json").read_text())["version"]
    digest = hashlib.sha256(json.dumps([sources, SETTINGS, solc], sort_keys=True).encode())
    target = cache_dir() / "build" / f"zksync-emulation-{digest.hexdigest()[:16]}.json"
    if target.exists():
        data = json.loads(target.read_text())
    else:
        t0 = time.monotonic()
        std_input = {
            "language": "Solidity",
            "sources": {k: {"content": v} for k, v in sorted(sources.items())},
            "settings": SETTINGS,
        }
        version, out = compile_standard_json(std_input, "the ZKsync emulation")
        data = {"compiler": f"solc-js {version}", "contracts": {}}
        for name in CONTRACTS:
            c = out["contracts"][_UNIT][name]
            data["contracts"][name] = {
                "abi": c["abi"],
                "bytecode": c["evm"]["bytecode"]["object"],
                "runtime": c["evm"]["deployedBytecode"]["object"],
            }
        data["compile_seconds"] = round(time.monotonic() - t0, 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(target)
    return {
        n: Artifact(n, c["abi"], bytes.fromhex(c["bytecode"]), bytes.fromhex(c["runtime"]))
        for n, c in data["contracts"].items()
    }


def artifact(name: str) -> Artifact:
    try:
        return build()[name]
    except KeyError:
        raise DevnetError(f"no ZKsync emulation contract {name!r} is compiled") from None


if __name__ == "__main__":
    t = time.monotonic()
    arts = build()
    print(f"{len(arts)} contracts in {time.monotonic() - t:.1f} s")
