"""Contract functions and events as small typed values, shared by every adapter.

Adapters keep their ABI fragments in code (a signature string and output types) so that they need
no compiled artifacts at run time; `Fn` turns such a fragment into calldata and back with eth-abi.
Hot paths that cannot afford eth-abi (balances) hand-decode instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.types import Hash32, to_hash32

__all__ = ["Fn", "event_topic", "split_types"]


def split_types(inner: str) -> list[str]:
    """Split a comma-separated type list at top level only: `uint256,(address,bytes)` -> 2 types."""
    out: list[str] = []
    depth, cur = 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += (ch == "(") - (ch == ")")
        cur += ch
    if cur:
        out.append(cur)
    return out


@dataclass(frozen=True)
class Fn:
    """One function: `Fn("isSpent(uint256)", ("bool",))`; tuples are written `(t1,t2)`."""

    signature: str
    outputs: tuple[str, ...] = ()

    @property
    def inputs(self) -> list[str]:
        return split_types(self.signature[self.signature.index("(") + 1 : -1])

    @property
    def selector(self) -> bytes:
        return keccak(self.signature.encode())[:4]

    def encode(self, *args: Any) -> bytes:
        return self.selector + abi_encode(self.inputs, list(args))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        return tuple(abi_decode(list(self.outputs), data))

    def decode_input(self, data: bytes) -> tuple[Any, ...]:
        """Arguments of a call to this function (selector checked)."""
        if data[:4] != self.selector:
            raise ValueError(f"calldata is not a call to {self.signature}")
        return tuple(abi_decode(self.inputs, data[4:]))


def event_topic(signature: str) -> Hash32:
    """topic0 of an event: keccak of its canonical signature."""
    return to_hash32(keccak(signature.encode()))
