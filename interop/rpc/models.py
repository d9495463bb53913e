"""Frozen dataclasses for what nodes return, so type checkers see the fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = ["Log", "Receipt"]


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
