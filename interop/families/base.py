"""What differs per chain family outside bridging: the fee model and how a devnet backs genesis ETH.

A family is named like `Chain.stack` ("opstack", "arbitrum", a third party's "myrollup") and comes
from the entry-point group `interop.families`, as adapters come from `interop.adapters`, so a
package can add a family without touching the core. The core (transfers, the funds check) asks
the family of a chain and never branches on its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import rlp

from interop.types import hex_to_bytes

if TYPE_CHECKING:
    from interop.chains.model import Chain
    from interop.client import ChainClient

__all__ = ["ChainFamily", "UnsignedTx"]


@dataclass(frozen=True, slots=True)
class UnsignedTx:
    """The fields of a transaction not signed yet, enough to encode it (for an L1-fee bound that
    depends on its size). `legacy` = a type-0 EIP-155 transaction priced at `max_fee_per_gas`."""

    chain_id: int
    nonce: int
    gas: int
    to: str
    value: int
    data: bytes = b""
    max_fee_per_gas: int = 0
    max_priority_fee_per_gas: int = 0
    legacy: bool = False

    def encode(self) -> bytes:
        """The unsigned EIP-2718 encoding (type 2, or EIP-155 legacy), as fee oracles size it."""
        dest = hex_to_bytes(self.to)
        if self.legacy:
            fields: list[Any] = [
                self.nonce, self.max_fee_per_gas, self.gas, dest, self.value, self.data,
                self.chain_id, 0, 0,
            ]  # fmt: skip
            return bytes(rlp.encode(fields))
        body = [
            self.chain_id,
            self.nonce,
            self.max_priority_fee_per_gas,
            self.max_fee_per_gas,
            self.gas,
            dest,
            self.value,
            self.data,
            [],
        ]
        return b"\x02" + bytes(rlp.encode(body))


@runtime_checkable
class ChainFamily(Protocol):
    """One chain family's behaviour outside bridging. `name` equals `Chain.stack`."""

    name: str

    charges_l1_data_fee: bool
    """True when a transaction pays, besides gas x price, a separate fee for its data on the
    parent chain (OP Stack). False when there is none, or when the parent-chain cost is already
    inside the gas (Arbitrum): then `l1_data_fee` is always 0 and callers skip building the
    transaction for it."""

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        """The parent-chain data fee in wei, charged on top of gas x price.

        `tx` as signed EIP-2718 bytes: the fee the chain charges (charged) for exactly those
        bytes, priced as in block `block` (the block of inclusion; None = the latest). `tx` as
        `UnsignedTx`: an upper bound for the transaction once signed, for a balance check.
        Transport failures raise (`RpcError`): a fee of 0 on an error would let a funds check
        pass on an underestimate.
        """
        ...

    def genesis_escrow(self, chain: Chain) -> str | None:
        """The contract name (a key of `chain.parent_contracts[chain.parent_id]`) on the parent
        that holds the ETH backing the L2's supply, so a devnet whose L2 accounts start funded can
        lock the same amount there; None when the family has no such escrow."""
        ...
