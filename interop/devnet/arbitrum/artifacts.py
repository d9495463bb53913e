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
    "SequencerInbox": "src/bridge/SequencerInbox.sol/SequencerInbox.json",
    "RollupEventInbox": "src/rollup/RollupEventInbox.sol/RollupEventInbox.json",
    "ERC20Bridge": "src/bridge/ERC20Bridge.sol/ERC20Bridge.json",
    "ERC20Inbox": "src/bridge/ERC20Inbox.sol/ERC20Inbox.json",
    "ERC20Outbox": "src/bridge/ERC20Outbox.sol/ERC20Outbox.json",
    "ERC20RollupEventInbox": "src/rollup/ERC20RollupEventInbox.sol/ERC20RollupEventInbox.json",
    "BridgeCreator": "src/rollup/BridgeCreator.sol/BridgeCreator.json",
    "OneStepProver0": "src/osp/OneStepProver0.sol/OneStepProver0.json",
    "OneStepProverMemory": "src/osp/OneStepProverMemory.sol/OneStepProverMemory.json",
    "OneStepProverMath": "src/osp/OneStepProverMath.sol/OneStepProverMath.json",
    "OneStepProverHostIo": "src/osp/OneStepProverHostIo.sol/OneStepProverHostIo.json",
    "OneStepProofEntry": "src/osp/OneStepProofEntry.sol/OneStepProofEntry.json",
    "EdgeChallengeManager": "src/challengeV2/EdgeChallengeManager.sol/EdgeChallengeManager.json",
    "RollupAdminLogic": "src/rollup/RollupAdminLogic.sol/RollupAdminLogic.json",
    "RollupUserLogic": "src/rollup/RollupUserLogic.sol/RollupUserLogic.json",
    "ValidatorWalletCreator": "src/rollup/ValidatorWalletCreator.sol/ValidatorWalletCreator.json",
    "DeployHelper": "src/rollup/DeployHelper.sol/DeployHelper.json",
    "RollupCreator": "src/rollup/RollupCreator.sol/RollupCreator.json",
    "TestWETH9": "src/mocks/TestWETH9.sol/TestWETH9.json",
    "TransparentUpgradeableProxy": (
        "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol/"
        "TransparentUpgradeableProxy.json"
    ),
    "ProxyAdmin": "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol/ProxyAdmin.json",
}
# Not in nitro-contracts' hardhat build: the Yul Reader4844 (foundry output shipped in the same
# package) and the UpgradeExecutor (its own package, a nitro-contracts dependency).
_OTHER_PATHS = {
    "Reader4844": (NITRO_PACKAGE, "out/yul/Reader4844.yul/Reader4844.json"),
    "UpgradeExecutor": (
        "@offchainlabs/upgrade-executor",
        "build/contracts/src/UpgradeExecutor.sol/UpgradeExecutor.json",
    ),
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


def _code(v: Any) -> bytes:
    """Hardhat writes bytecode as a hex string, foundry as {"object": hex}."""
    return hex_to_bytes(v["object"] if isinstance(v, dict) else v)


@cache
def nitro_artifact(name: str) -> Artifact:
    """A contract from @arbitrum/nitro-contracts' build folder (installed on demand), or one of
    the two it ships elsewhere (`Reader4844`, `UpgradeExecutor`)."""
    modules = ensure_packages([NITRO_PACKAGE])
    if name in _OTHER_PATHS:
        package, rel = _OTHER_PATHS[name]
        path = modules / package / rel
    else:
        path = modules / NITRO_PACKAGE / "build" / "contracts" / _NITRO_PATHS[name]
    try:
        d = json.loads(path.read_text())
    except OSError as exc:
        raise DevnetError(f"nitro-contracts artifact {name} not found at {path}") from exc
    if d.get("linkReferences"):
        raise DevnetError(f"nitro-contracts artifact {name} needs linking, unsupported")
    return Artifact(name, d.get("abi") or [], _code(d["bytecode"]), _code(d["deployedBytecode"]))


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
