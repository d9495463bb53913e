"""The Scroll chain family: its L1 data fee comes from the `L1GasPriceOracle` predeploy, and its
bridged ETH is escrowed in the L1 messenger.

A Scroll transaction pays, on top of gas x price, `L1GasPriceOracle.getL1Fee(rlp(tx))`
(0x5300000000000000000000000000000000000002; Curie: `(commitScalar * l1BaseFee + blobScalar *
len * l1BlobBaseFee) / 1e9`, later forks per `L2/predeploys/L1GasPriceOracle.sol`). We ask the
oracle itself, so every fork's formula is the chain's own. Scroll nodes report it in receipts
(`l1Fee`), which the core prefers for what was paid.
"""

from __future__ import annotations

from interop.chains.model import Chain, ContractName
from interop.client import ChainClient
from interop.families.base import UnsignedTx
from interop.spec.scroll import abis
from interop.spec.scroll.predeploys import L1_GAS_PRICE_ORACLE

__all__ = ["SIGNATURE_BOUND", "ScrollFamily", "family"]

SIGNATURE_BOUND = 3 + 32 + 1 + 32 + 1 + 4
"""Bytes a signature can add to an unsigned encoding (y-parity/v up to 4 bytes, r and s of 32
with their RLP prefixes, a longer list header): the bound is priced for the bytes once signed."""


class ScrollFamily:
    name = "scroll"
    charges_l1_data_fee = True

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        data = tx if isinstance(tx, bytes) else tx.encode() + b"\xff" * SIGNATURE_BOUND
        out = await client.call(
            L1_GAS_PRICE_ORACLE,
            abis.GET_L1_FEE.encode(data),
            block="latest" if block is None else block,
        )
        return int(abis.GET_L1_FEE.decode(out)[0])

    def genesis_escrow(self, chain: Chain) -> str | None:
        return ContractName.SCROLL_MESSENGER


def family() -> ScrollFamily:
    """Entry point (`interop.families` group)."""
    return ScrollFamily()
