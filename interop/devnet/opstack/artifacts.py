"""Run-time access to the contracts-bedrock forge artifacts (abi, bytecode, storage layout).

The artifacts are read from the npm cache (`interop.devnet.install.node_modules()`) and never
copied into the repository, so the devnet always runs the exact bytecode OP Labs published. The
small ABI helper here exists so that deployment code can say `art.call("initialize", a, b)`
instead of hand-writing selectors, and so a wrong argument count fails loudly at start-up.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.devnet.install import ensure_packages
from interop.errors import DevnetError

__all__ = ["BEDROCK_PACKAGE", "Artifact", "artifacts_dir", "bedrock_version", "load"]

BEDROCK_PACKAGE = "@eth-optimism/contracts-bedrock"


def artifacts_dir() -> Path:
    return ensure_packages([BEDROCK_PACKAGE]) / BEDROCK_PACKAGE / "forge-artifacts"


def bedrock_version() -> str:
    pj = artifacts_dir().parent / "package.json"
    return str(json.loads(pj.read_text())["version"])


def _abi_type(param: dict[str, Any]) -> str:
    t = str(param["type"])
    if t.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){t[len('tuple') :]}"
    return t


@dataclass(frozen=True)
class _Fn:
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @property
    def selector(self) -> bytes:
        return keccak(f"{self.name}({','.join(self.inputs)})".encode())[:4]


@dataclass(frozen=True)
class Artifact:
    """One compiled contract. `storage` maps a variable label to (slot, byte offset)."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes
    deployed_bytecode: bytes
    storage: dict[str, tuple[int, int]]

    def _fn(self, name: str, nargs: int) -> _Fn:
        for item in self.abi:
            if (
                item.get("type") == "function"
                and item.get("name") == name
                and len(item["inputs"]) == nargs
            ):
                return _Fn(
                    name,
                    tuple(_abi_type(p) for p in item["inputs"]),
                    tuple(_abi_type(p) for p in item.get("outputs", [])),
                )
        raise DevnetError(f"{self.name} has no function {name} with {nargs} arguments")

    def constructor_types(self) -> tuple[str, ...]:
        for item in self.abi:
            if item.get("type") == "constructor":
                return tuple(_abi_type(p) for p in item["inputs"])
        return ()

    def deploy_data(self, *args: Any) -> bytes:
        types = self.constructor_types()
        if len(types) != len(args):
            raise DevnetError(f"{self.name} constructor takes {len(types)} arguments")
        return self.bytecode + (abi_encode(list(types), list(args)) if types else b"")

    def call(self, name: str, *args: Any) -> bytes:
        fn = self._fn(name, len(args))
        return fn.selector + abi_encode(list(fn.inputs), list(args))

    def decode(self, name: str, data: bytes, nargs: int = 0) -> tuple[Any, ...]:
        fn = self._fn(name, nargs)
        return tuple(abi_decode(list(fn.outputs), data))

    def slot(self, label: str) -> tuple[int, int]:
        try:
            return self.storage[label]
        except KeyError:
            raise DevnetError(f"{self.name} has no storage variable {label!r}") from None


@functools.cache
def load(name: str) -> Artifact:
    """Load `forge-artifacts/<name>.sol/<name>.json` (cached per process)."""
    path = artifacts_dir() / f"{name}.sol" / f"{name}.json"
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise DevnetError(f"OP Stack artifact {name} not found", details=str(path)) from exc
    layout: Sequence[dict[str, Any]] = (raw.get("storageLayout") or {}).get("storage", [])
    return Artifact(
        name=name,
        abi=tuple(raw["abi"]),
        bytecode=bytes.fromhex(raw["bytecode"]["object"].removeprefix("0x")),
        deployed_bytecode=bytes.fromhex(raw["deployedBytecode"]["object"].removeprefix("0x")),
        storage={s["label"]: (int(s["slot"]), int(s["offset"])) for s in layout},
    )
