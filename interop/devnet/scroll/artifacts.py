"""Scroll's own contracts, compiled from the Solidity sources `@scroll-tech/contracts@4.0.0` ships.

The package ships sources only (no bytecode), so the devnet compiles them once with solc-js
(`interop.devnet.solc`, the compiler pinned in `interop.devnet.install`) with the settings of
Scroll's own build (optimizer on, 200 runs, EVM `cancun`) and keeps the output in the cache
folder, keyed by a digest of every source file and the settings: a second start reads the JSON
(milliseconds), a changed package or setting recompiles. Nothing compiled is committed.

OpenZeppelin (`@openzeppelin/contracts{,-upgradeable}` 4.x, which the Scroll sources import and
whose `TransparentUpgradeableProxy` / `ProxyAdmin` Scroll's mainnet deployment uses) resolves
from the same npm cache. Our one source of our own is `contracts/WithdrawTrieHarness.sol`: it
exposes Scroll's internal `WithdrawTrieVerifier` library so tests can call it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import re
import time
from pathlib import Path
from typing import Any

from interop.devnet.install import cache_dir, ensure_packages
from interop.devnet.solc import compile_standard_json
from interop.errors import DevnetError

__all__ = [
    "CONTRACTS",
    "PACKAGE",
    "VERSION",
    "Artifact",
    "artifact",
    "build",
    "last_compile_seconds",
]

PACKAGE = "@scroll-tech/contracts"
VERSION = "4.0.0"
_OZ = ("@openzeppelin/contracts", "@openzeppelin/contracts-upgradeable")
_OURS = Path(__file__).parent / "contracts"

CONTRACTS: dict[str, str] = {
    "L1ScrollMessenger": f"{PACKAGE}/L1/L1ScrollMessenger.sol",
    "L1MessageQueueV1": f"{PACKAGE}/L1/rollup/L1MessageQueueV1.sol",
    "L1MessageQueueV2": f"{PACKAGE}/L1/rollup/L1MessageQueueV2.sol",
    "SystemConfig": f"{PACKAGE}/L1/system-contract/SystemConfig.sol",
    "ScrollChainMockFinalize": f"{PACKAGE}/mocks/ScrollChainMockFinalize.sol",
    "L1ETHGateway": f"{PACKAGE}/L1/gateways/L1ETHGateway.sol",
    "L1GatewayRouter": f"{PACKAGE}/L1/gateways/L1GatewayRouter.sol",
    "L2ScrollMessenger": f"{PACKAGE}/L2/L2ScrollMessenger.sol",
    "L2MessageQueue": f"{PACKAGE}/L2/predeploys/L2MessageQueue.sol",
    "L1GasPriceOracle": f"{PACKAGE}/L2/predeploys/L1GasPriceOracle.sol",
    "Whitelist": f"{PACKAGE}/L2/predeploys/Whitelist.sol",
    "L2ETHGateway": f"{PACKAGE}/L2/gateways/L2ETHGateway.sol",
    "L2GatewayRouter": f"{PACKAGE}/L2/gateways/L2GatewayRouter.sol",
    "EmptyContract": f"{PACKAGE}/misc/EmptyContract.sol",
    "TransparentUpgradeableProxy": (
        "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol"
    ),
    "ProxyAdmin": "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol",
    "WithdrawTrieHarness": "interop/WithdrawTrieHarness.sol",
}
"""Contract name -> source unit (import path) of everything the Scroll devnet deploys."""

SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
}

_IMPORT_RE = re.compile(r'^\s*import\s+(?:[^"\']*\sfrom\s+)?["\']([^"\']+)["\']', re.M)

last_compile_seconds: float | None = None
"""Wall time of the last compile in this process (None when the cache answered)."""


class Artifact:
    """ABI and creation bytecode of one compiled contract."""

    def __init__(self, name: str, abi: list[dict[str, Any]], bytecode: bytes) -> None:
        self.name, self.abi, self.bytecode = name, abi, bytecode


def _path_of(unit: str, nm: Path) -> Path:
    if unit.startswith("interop/"):
        return _OURS / unit.removeprefix("interop/")
    return nm / unit


def _sources(nm: Path) -> dict[str, str]:
    """Every source unit the wanted contracts need, following imports (no import callback in
    solc-js's plain `compile`, so the whole closure goes into the standard-JSON input)."""
    out: dict[str, str] = {}
    todo = list(CONTRACTS.values())
    while todo:
        unit = todo.pop()
        if unit in out:
            continue
        path = _path_of(unit, nm)
        try:
            text = path.read_text()
        except OSError as exc:
            raise DevnetError(f"Scroll contract source {unit} is missing: {exc}") from None
        out[unit] = text
        for imp in _IMPORT_RE.findall(text):
            if imp.startswith("."):
                imp = posixpath.normpath(posixpath.join(posixpath.dirname(unit), imp))
            todo.append(imp)
    return out


def _digest(sources: dict[str, str], solc: str) -> str:
    h = hashlib.sha256(json.dumps([sources, SETTINGS, solc], sort_keys=True).encode())
    return h.hexdigest()[:16]


@functools.cache
def build() -> dict[str, Artifact]:
    """Compile (or read from the cache) every contract in `CONTRACTS`."""
    global last_compile_seconds
    nm = ensure_packages([PACKAGE, "solc"])
    for pkg in _OZ:
        if not (nm / pkg / "package.json").exists():
            raise DevnetError(f"{pkg} (4.x) is not in the npm cache; Scroll's sources import it")
    sources = _sources(nm)
    solc_version = json.loads((nm / "solc" / "package.json").read_text())["version"]
    out_dir = cache_dir() / "build"
    target = out_dir / f"scroll-contracts-{VERSION}-{_digest(sources, solc_version)}.json"
    if target.exists():
        data = json.loads(target.read_text())
    else:
        t0 = time.monotonic()
        std_input = {
            "language": "Solidity",
            "sources": {k: {"content": v} for k, v in sorted(sources.items())},
            "settings": SETTINGS,
        }
        version, out = compile_standard_json(std_input, f"{PACKAGE}@{VERSION}")
        data = {"compiler": f"solc-js {version}", "contracts": {}}
        for name, unit in CONTRACTS.items():
            c = out["contracts"][unit][name]
            data["contracts"][name] = {"abi": c["abi"], "bytecode": c["evm"]["bytecode"]["object"]}
        last_compile_seconds = time.monotonic() - t0
        data["compile_seconds"] = round(last_compile_seconds, 1)
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(target)
    return {
        n: Artifact(n, c["abi"], bytes.fromhex(c["bytecode"])) for n, c in data["contracts"].items()
    }


def artifact(name: str) -> Artifact:
    try:
        return build()[name]
    except KeyError:
        raise DevnetError(f"no Scroll contract {name!r} is compiled") from None


if __name__ == "__main__":
    t = time.monotonic()
    arts = build()
    print(f"{len(arts)} contracts in {time.monotonic() - t:.1f} s (compile {last_compile_seconds})")
