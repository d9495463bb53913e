"""Fee estimation: EIP-1559 where the chain has a base fee, legacy gas price where it has not.

Why the fallbacks: `eth_maxPriorityFeePerGas` is not in the execution-API spec and some nodes and
L2 RPCs answer "method not found"; `eth_feeHistory` can be disabled or limited. `eth_gasPrice` is
universal, so the last resort is `gasPrice - baseFee` (what viem does too). A chain whose latest
block has no `baseFeePerGas` is legacy-only: it gets a type-0 transaction, still with an EIP-155
chain id.

A rollup's separate L1 data fee is not here: it belongs to the chain's family
(`interop.families`, `ChainFamily.l1_data_fee`).

Max fee = base fee x `base_fee_percent` / 100 + tip. The default 200 % survives six consecutive full
blocks (+12.5 % each) before a transaction becomes underpriced, which is what wallets use; the
sender pays only `base + tip` of it, the rest is a ceiling used for the balance check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interop.client import ChainClient
from interop.errors import InvalidAmountError, RpcError
from interop.families.base import UnsignedTx

__all__ = ["Fees", "estimate_fees", "unsigned_tx", "unsigned_tx_bytes"]

_FEE_HISTORY_BLOCKS = 5
_FEE_HISTORY_PERCENTILE = 50


@dataclass(frozen=True, slots=True)
class Fees:
    """Per-gas fee fields for one transaction. `base_fee is None` means a legacy (type 0) chain.

    For legacy chains `max_fee_per_gas == max_priority_fee_per_gas == gas price`.
    """

    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    base_fee: int | None

    def __post_init__(self) -> None:
        if self.max_fee_per_gas < 0 or self.max_priority_fee_per_gas < 0:
            raise InvalidAmountError("fees must not be negative")
        if self.max_priority_fee_per_gas > self.max_fee_per_gas:
            raise InvalidAmountError(
                f"priority fee {self.max_priority_fee_per_gas} exceeds max fee "
                f"{self.max_fee_per_gas}"
            )

    @classmethod
    def legacy_price(cls, gas_price: int) -> Fees:
        return cls(gas_price, gas_price, None)

    @property
    def legacy(self) -> bool:
        return self.base_fee is None

    @property
    def gas_price(self) -> int:
        """The price a legacy transaction pays; for EIP-1559 the worst case per gas."""
        return self.max_fee_per_gas

    def max_cost(self, gas: int) -> int:
        """Most the sender can be charged for execution (L1 data fees of rollups not included)."""
        return gas * self.max_fee_per_gas

    def tx_fields(self) -> dict[str, int]:
        """The fee fields (and type) for an eth-account transaction dict (legacy: no type key,
        which eth-account encodes as type 0)."""
        if self.legacy:
            return {"gasPrice": self.max_fee_per_gas}
        return {
            "type": 2,
            "maxFeePerGas": self.max_fee_per_gas,
            "maxPriorityFeePerGas": self.max_priority_fee_per_gas,
        }


def _int(v: Any) -> int | None:
    if v is None or isinstance(v, BaseException):
        return None
    return int(v, 16) if isinstance(v, str) else int(v)


def _median(values: list[int]) -> int:
    s = sorted(values)
    return s[len(s) // 2]


async def _tip_from_fee_history(client: ChainClient) -> int | None:
    try:
        hist = await client.request(
            "eth_feeHistory", [hex(_FEE_HISTORY_BLOCKS), "latest", [_FEE_HISTORY_PERCENTILE]]
        )
    except RpcError:
        return None
    rewards = [int(r[0], 16) for r in (hist or {}).get("reward") or [] if r]
    nonzero = [r for r in rewards if r > 0]
    return _median(nonzero) if nonzero else None


async def estimate_fees(
    client: ChainClient,
    *,
    base_fee_percent: int = 200,
    max_priority_fee_per_gas: int | None = None,
) -> Fees:
    """Fees for a transaction to be included soon on `client`'s chain.

    One batched round trip for the common case (latest block + `eth_maxPriorityFeePerGas`); more
    calls only when a method is unsupported. Raises `RpcError` only if even `eth_gasPrice` fails.
    """
    if base_fee_percent < 100:
        raise InvalidAmountError("base_fee_percent below 100 would make the tx underpriced")
    block, tip_raw = await client.batch(
        [("eth_getBlockByNumber", ["latest", False]), ("eth_maxPriorityFeePerGas", [])]
    )
    if isinstance(block, BaseException):
        raise block
    base = _int((block or {}).get("baseFeePerGas"))
    if base is None:
        return Fees.legacy_price(int(await client.request("eth_gasPrice"), 16))
    tip = max_priority_fee_per_gas
    if tip is None:
        tip = _int(tip_raw)
    if tip is None:
        tip = await _tip_from_fee_history(client)
    if tip is None:
        gas_price = int(await client.request("eth_gasPrice"), 16)
        tip = max(gas_price - base, 0)
    return Fees(base * base_fee_percent // 100 + tip, tip, base)


def unsigned_tx_bytes(
    *, chain_id: int, nonce: int, fees: Fees, gas: int, to: str, value: int, data: bytes = b""
) -> bytes:
    """The unsigned EIP-2718 encoding (type 2, or EIP-155 legacy) that fee oracles size."""
    return unsigned_tx(
        chain_id=chain_id, nonce=nonce, fees=fees, gas=gas, to=to, value=value, data=data
    ).encode()


def unsigned_tx(
    *, chain_id: int, nonce: int, fees: Fees, gas: int, to: str, value: int, data: bytes = b""
) -> UnsignedTx:
    """The fields of a transaction about to be signed with `fees`, for a family's fee model."""
    return UnsignedTx(
        chain_id=chain_id,
        nonce=nonce,
        gas=gas,
        to=to,
        value=value,
        data=data,
        max_fee_per_gas=fees.max_fee_per_gas,
        max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        legacy=fees.legacy,
    )


def __getattr__(name: str) -> Any:
    """Names that moved to their chain family's module (`interop.families`), still importable
    from here for one release (deprecated)."""
    from interop.families import moved_name

    return moved_name(__name__, name)
