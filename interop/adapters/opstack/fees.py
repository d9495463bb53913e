"""Fees on an OP Stack L2: execution gas plus the L1 data fee (GasPriceOracle)."""

from __future__ import annotations

from dataclasses import dataclass

import rlp

from interop.actions.tx import suggest_fees
from interop.adapters.opstack import abis as A
from interop.adapters.opstack.common import call_one
from interop.client import ChainClient
from interop.types import hex_to_bytes

__all__ = ["L2FeeEstimate", "estimate_l2_fee", "unsigned_eip1559"]


@dataclass(frozen=True)
class L2FeeEstimate:
    gas: int
    max_fee_per_gas: int
    l1_fee: int
    l1_fee_source: str
    """"getL1Fee", "getL1FeeUpperBound" or "unavailable" (no GasPriceOracle on the chain)."""

    @property
    def total(self) -> int:
        return self.gas * self.max_fee_per_gas + self.l1_fee


def unsigned_eip1559(
    chain_id: int, nonce: int, tip: int, max_fee: int, gas: int, to: str, value: int, data: bytes
) -> bytes:
    """The unsigned type-2 encoding GasPriceOracle.getL1Fee expects (it pads for the signature)."""
    body: bytes = rlp.encode(
        [chain_id, nonce, tip, max_fee, gas, hex_to_bytes(to), value, data, []]
    )
    return b"\x02" + body


async def estimate_l2_fee(
    l2: ChainClient, *, sender: str, to: str, value: int = 0, data: bytes = b""
) -> L2FeeEstimate:
    """Gas, fee cap and L1 data fee of an L2 transaction, before sending it."""
    gas = await l2.estimate_gas(
        {"from": sender, "to": to, "value": hex(value), "data": "0x" + data.hex()}
    )
    max_fee, tip = await suggest_fees(l2)
    nonce = await l2.get_nonce(sender)
    raw = unsigned_eip1559(l2.chain.id, nonce, tip, max_fee, gas, to, value, data)
    gpo = A.PREDEPLOYS["GasPriceOracle"]
    try:
        return L2FeeEstimate(
            gas, max_fee, int(await call_one(l2, gpo, A.GET_L1_FEE, raw)), "getL1Fee"
        )
    except Exception:  # no oracle, or an older one without this function
        pass
    try:
        bound = int(await call_one(l2, gpo, A.GET_L1_FEE_UPPER_BOUND, len(raw) + 68))
        return L2FeeEstimate(gas, max_fee, bound, "getL1FeeUpperBound")
    except Exception:  # no oracle, or an older one without this function
        return L2FeeEstimate(gas, max_fee, 0, "unavailable")
