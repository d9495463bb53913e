"""Frozen dataclasses for what nodes return, so type checkers see the fields, and the decoders
that turn a node's answer into Python values.

Why the decoders raise `RpcResponseError`: an answer that is not what the method promises (a
chain id that is not hex, a receipt without a block number) is the node's fault, not the
caller's. Left alone it would surface as `ValueError` / `KeyError` — or, worse, as
`InvalidAddressError`, an `InputError` that claims the caller passed something wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from interop.errors import RpcResponseError
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = ["HexStr", "Log", "Receipt", "decode_data", "decode_quantity", "decode_result"]

T = TypeVar("T")

_QUANTITY = re.compile(r"0[xX][0-9a-fA-F]+")
_DATA = re.compile(r"0[xX][0-9a-fA-F]*")


def _bad(
    method: str, what: str, value: Any, cause: BaseException | None = None
) -> RpcResponseError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    err = RpcResponseError(f"{method}: the node answered {shown}, which is not {what}")
    err.__cause__ = cause
    return err


class HexStr(str):
    """`0x` + the lower-case hex of some bytes: a `str` everywhere, built only from bytes.

    Why a type of its own: JSON needs no escaping of hex, and a transport that knows a parameter
    is hex writes it into the request body as it is. A large `eth_call` payload (Multicall3
    carries 384 hex characters per balance) is then not scanned by the JSON encoder, which costs
    ~6 ns per character. Every instance is hex by construction: `HexStr(data)` takes bytes.
    """

    __slots__ = ()

    def __new__(cls, data: bytes | bytearray | memoryview) -> HexStr:
        return super().__new__(cls, "0x" + memoryview(data).hex())

    def __getnewargs__(self) -> tuple[bytes]:  # type: ignore[override]  # copy / pickle
        return (bytes.fromhex(self[2:]),)

    @classmethod
    def join_hex(cls, pieces: list[str]) -> HexStr:
        """`0x` + the pieces, each of which must be the `.hex()` of some bytes (unchecked).

        For a payload assembled from hex made once (constants, a list's hex): no bytes to build
        and hex again (a Multicall3 call is ~450 KB of hex per 1,000 balances).
        """
        return super().__new__(cls, "".join(["0x", *pieces]))


def decode_quantity(value: Any, method: str) -> int:
    """A JSON-RPC QUANTITY (`0x`-prefixed hex) as int; anything else is `RpcResponseError`."""
    if type(value) is not str or not _QUANTITY.fullmatch(value):
        raise _bad(method, "a hex quantity", value)
    return int(value, 16)


def decode_data(value: Any, method: str) -> bytes:
    """JSON-RPC DATA (`0x`-prefixed hex bytes); anything else is `RpcResponseError`."""
    if type(value) is not str or not _DATA.fullmatch(value):
        raise _bad(method, "hex data", value)
    return hex_to_bytes(value)


def decode_result(method: str, fn: Callable[[Any], T], value: Any, what: str = "valid") -> T:
    """`fn(value)`, with any decoding failure mapped to `RpcResponseError` naming `method`."""
    try:
        return fn(value)
    except RpcResponseError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise _bad(method, f"a {what} answer ({type(exc).__name__}: {exc})", value, exc) from exc


@dataclass(frozen=True, slots=True)
class Log:
    address: Address
    topics: tuple[Hash32, ...]
    data: bytes
    block_number: int
    block_hash: Hash32
    transaction_hash: Hash32
    log_index: int

    @classmethod
    def from_rpc(cls, d: dict[str, Any]) -> Log:
        return cls(
            address=to_address(d["address"]),
            topics=tuple(to_hash32(t) for t in d.get("topics", [])),
            data=hex_to_bytes(d.get("data") or "0x"),
            block_number=int(d["blockNumber"], 16),
            block_hash=to_hash32(d["blockHash"]),
            transaction_hash=to_hash32(d["transactionHash"]),
            log_index=int(d["logIndex"], 16),
        )


@dataclass(frozen=True, slots=True)
class Receipt:
    transaction_hash: Hash32
    block_number: int
    block_hash: Hash32
    status: int
    gas_used: int
    effective_gas_price: int
    from_address: Address
    to_address: Address | None
    contract_address: Address | None
    logs: tuple[Log, ...]
    transaction_index: int
    raw: dict[str, Any]

    @property
    def succeeded(self) -> bool:
        return self.status == 1

    @property
    def fee(self) -> int:
        """Execution fee in wei (gas_used * effective price), excluding any L1 data fee."""
        return self.gas_used * self.effective_gas_price

    @classmethod
    def from_rpc(cls, d: dict[str, Any]) -> Receipt:
        return cls(
            transaction_hash=to_hash32(d["transactionHash"]),
            block_number=int(d["blockNumber"], 16),
            block_hash=to_hash32(d["blockHash"]),
            status=int(d.get("status") or "0x1", 16),
            gas_used=int(d.get("gasUsed") or "0x0", 16),
            effective_gas_price=int(d.get("effectiveGasPrice") or "0x0", 16),
            from_address=to_address(d["from"]),
            to_address=to_address(d["to"]) if d.get("to") else None,
            contract_address=to_address(d["contractAddress"]) if d.get("contractAddress") else None,
            logs=tuple(Log.from_rpc(x) for x in d.get("logs", [])),
            transaction_index=int(d.get("transactionIndex") or "0x0", 16),
            raw=d,
        )
