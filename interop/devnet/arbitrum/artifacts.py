"""Contract artifacts: the real nitro-contracts build (read from the npm cache at run time, never
committed) and our own emulation contracts (compiled output committed in `contracts/build.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.abi import Fn
from interop.devnet.install import ensure_packages
from interop.errors import DevnetError
from interop.types import hex_to_bytes

__all__ = ["Artifact", "calldata", "nitro_artifact", "own_artifact", "selector"]

NITRO_PACKAGE = "@arbitrum/nitro-contracts"

_NITRO_PATHS = {
    "Bridge": "src/bridge/Bridge.sol/Bridge.json",
    "Inbox": "src/bridge/Inbox.sol/Inbox.json",
    "Outbox": "src/bridge/Outbox.sol/Outbox.json",
    "TransparentUpgradeableProxy": (
        "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol/"
        "TransparentUpgradeableProxy.json"
    ),
    "ProxyAdmin": "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol/ProxyAdmin.json",
}


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes

    def constructor_types(self) -> list[str]:
        for item in self.abi:
            if item["type"] == "constructor":
                return [_abi_type(i) for i in item["inputs"]]
        return []

    def deploy_data(self, *args: Any) -> bytes:
        types = self.constructor_types()
        return self.bytecode + (abi_encode(types, list(args)) if types else b"")


def _abi_type(inp: dict[str, Any]) -> str:
    t = str(inp["type"])
    if t.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in inp["components"])
        return f"({inner}){t[5:]}"
    return t


def selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def calldata(signature: str, *args: Any) -> bytes:
    """ABI calldata for `name(type,...)` with positional args."""
    return Fn(signature).encode(*args)


@cache
def nitro_artifact(name: str) -> Artifact:
    """A contract from @arbitrum/nitro-contracts' build folder (installed on demand)."""
    base = ensure_packages([NITRO_PACKAGE]) / NITRO_PACKAGE / "build" / "contracts"
    path = base / _NITRO_PATHS[name]
    try:
        d = json.loads(path.read_text())
    except OSError as exc:
        raise DevnetError(f"nitro-contracts artifact {name} not found at {path}") from exc
    if d.get("linkReferences"):
        raise DevnetError(f"nitro-contracts artifact {name} needs linking, unsupported")
    return Artifact(
        name, d["abi"], hex_to_bytes(d["bytecode"]), hex_to_bytes(d["deployedBytecode"])
    )


@cache
def _own_build() -> dict[str, Any]:
    path = Path(__file__).parent / "contracts" / "build.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def own_artifact(name: str) -> Artifact:
    """One of our emulation contracts from the committed `contracts/build.json`."""
    c = _own_build()["contracts"][name]
    return Artifact(
        name, c["abi"], hex_to_bytes(c["bytecode"]), hex_to_bytes(c["deployedBytecode"])
    )
