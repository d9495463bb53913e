"""Fee estimation: EIP-1559 where the chain has a base fee, legacy gas price where it has not.

Why the fallbacks: `eth_maxPriorityFeePerGas` is not in the execution-API spec and some nodes and
L2 RPCs answer "method not found"; `eth_feeHistory` can be disabled or limited. `eth_gasPrice` is
universal, so the last resort is `gasPrice - baseFee` (what viem does too). A chain whose latest
block has no `baseFeePerGas` is legacy-only: it gets a type-0 transaction, still with an EIP-155
chain id.

Max fee = base fee x `base_fee_percent` / 100 + tip. The default 200 % survives six consecutive full
blocks (+12.5 % each) before a transaction becomes underpriced, which is what wallets use; the
sender pays only `base + tip` of it, the rest is a ceiling used for the balance check.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import rlp

from interop.abi import Fn
from interop.chains.predeploys import GAS_PRICE_ORACLE, L1_BLOCK, L1_FEE_VAULT
from interop.client import BlockTag, ChainClient
from interop.errors import InvalidAmountError, RpcError, RpcResponseError
from interop.types import hex_to_bytes

__all__ = [
    "GAS_PRICE_ORACLE",
    "L1_BLOCK",
    "L1_FEE_VAULT",
    "Fees",
    "L1FeeParams",
    "estimate_fees",
    "fjord_l1_fee",
    "flz_compress_len",
    "op_l1_fee_ceiling",
    "op_l1_fee_params",
    "op_l1_fee_params_of_block",
    "unsigned_tx_bytes",
]

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


# ---------------------------------------------------------------- OP Stack L1 data fee
#
# Every OP Stack transaction also pays for posting its bytes to L1. The formula is the chain's
# (Fjord+: FastLZ size -> linear regression -> L1 base / blob fee scalars; Ecotone: calldata
# gas), its inputs live in the L1Block predeploy and the GasPriceOracle predeploy exposes both.
# The predeploy address is an OP Stack constant (the same on every OP chain), so it is data here,
# not something read from an RPC answer.

"""OP Stack predeploy: L1 fee estimates and the L1 fee parameters (read from L1Block)."""
"""OP Stack predeploy that receives the L1 data fee."""

GPO_GET_L1_FEE = Fn("getL1Fee(bytes)", ("uint256",))
GPO_GET_L1_FEE_UPPER_BOUND = Fn("getL1FeeUpperBound(uint256)", ("uint256",))
GPO_IS_FJORD = Fn("isFjord()", ("bool",))
GPO_IS_ECOTONE = Fn("isEcotone()", ("bool",))
GPO_L1_BASE_FEE = Fn("l1BaseFee()", ("uint256",))
GPO_BLOB_BASE_FEE = Fn("blobBaseFee()", ("uint256",))
GPO_BASE_FEE_SCALAR = Fn("baseFeeScalar()", ("uint32",))
GPO_BLOB_BASE_FEE_SCALAR = Fn("blobBaseFeeScalar()", ("uint32",))

# Fjord constants (OP specs, Fjord exec-engine "L1-Cost fees"; GasPriceOracle 1.3.0).
FJORD_COST_INTERCEPT = -42_585_600
FJORD_COST_FASTLZ_COEF = 836_500
FJORD_MIN_TRANSACTION_SIZE = 100
FJORD_SIGNATURE_ALLOWANCE = 68
"""Bytes GasPriceOracle adds to an *unsigned* transaction for its signature (and RLP growth)."""


def flz_compress_len(data: bytes) -> int:
    """Length of `data` after FastLZ level-1 compression, as op-geth / Solady `LibZip` count it.

    The Fjord L1 fee is a function of this length for the *signed* transaction. Only the
    length is needed, so no output is built: literal runs cost 1 byte per 32 plus the bytes,
    matches 2 or 3 bytes (+3 per 262 of length).
    """
    size = 0
    table = [0] * 8192

    def u24(i: int) -> int:
        return data[i] | (data[i + 1] << 8) | (data[i + 2] << 16)

    def slot(v: int) -> int:
        return (((2654435769 * v) & 0xFFFFFFFF) >> 19) & 0x1FFF

    def literals(run: int) -> int:
        return 0x21 * (run // 0x20) + (run % 0x20 + 1 if run % 0x20 else 0)

    anchor = 0
    limit = len(data) - 13 if len(data) >= 13 else 0
    ip = 2
    while ip < limit:
        while True:  # find a 3-byte sequence seen within the last 8 KiB
            seq = u24(ip)
            h = slot(seq)
            ref = table[h]
            table[h] = ip
            if ip >= limit:
                break
            ip += 1
            if ip - 1 - ref <= 0x1FFF and seq == u24(ref):
                break
        if ip >= limit:
            break
        ip -= 1
        if ip > anchor:
            size += literals(ip - anchor)
        # match length beyond the first 3 bytes, +1 (the reference implementation's count)
        p, q, end = ref + 3, ip + 3, limit + 9
        n = 0
        while q + n < end:
            n += 1
            if data[p + n - 1] != data[q + n - 1]:
                break
        length = n - 1
        size += 3 * (length // 262) + (3 if length % 262 >= 6 else 2)
        ip += n
        table[slot(u24(ip))] = ip
        ip += 1
        table[slot(u24(ip))] = ip
        ip += 1
        anchor = ip
    return size + literals(len(data) - anchor)


def fjord_l1_fee(
    fastlz_size: int,
    *,
    l1_base_fee: int,
    blob_base_fee: int,
    base_fee_scalar: int,
    blob_base_fee_scalar: int,
) -> int:
    """Fjord L1 fee for a transaction whose FastLZ size is `fastlz_size` (OP specs, Fjord):
    a linear regression estimates the Brotli size (at least 100 bytes), priced at the L1 base
    fee and blob base fee weighted by their scalars."""
    estimated = max(
        FJORD_MIN_TRANSACTION_SIZE * 10**6,
        FJORD_COST_INTERCEPT + FJORD_COST_FASTLZ_COEF * fastlz_size,
    )
    scaled = base_fee_scalar * 16 * l1_base_fee + blob_base_fee_scalar * blob_base_fee
    return estimated * scaled // 10**12


@dataclass(frozen=True, slots=True)
class L1FeeParams:
    """The L1 fee inputs of one OP Stack block (GasPriceOracle's view of L1Block)."""

    fjord: bool
    l1_base_fee: int
    blob_base_fee: int
    base_fee_scalar: int
    blob_base_fee_scalar: int

    def fee(self, signed_tx: bytes) -> int:
        """The L1 fee the chain charges a signed transaction (its EIP-2718 bytes).

        The node prices the *signed* bytes itself; `GasPriceOracle.getL1Fee(b)` instead adds a
        68-byte allowance for a signature to `b`, so on a signed transaction it over-charges.
        """
        if self.fjord:
            return fjord_l1_fee(
                flz_compress_len(signed_tx),
                l1_base_fee=self.l1_base_fee,
                blob_base_fee=self.blob_base_fee,
                base_fee_scalar=self.base_fee_scalar,
                blob_base_fee_scalar=self.blob_base_fee_scalar,
            )
        # Ecotone: calldata gas of the signed bytes, base fee weighted x16 (per byte) like blobs.
        gas = sum(4 if b == 0 else 16 for b in signed_tx)
        scaled = self.base_fee_scalar * 16 * self.l1_base_fee
        return gas * (scaled + self.blob_base_fee_scalar * self.blob_base_fee) // (16 * 10**6)


async def _gpo_calls(
    client: ChainClient, calls: list[tuple[Fn, tuple[Any, ...]]], block: BlockTag
) -> list[Any]:
    """Several GasPriceOracle reads in one round trip; an entry is None where the oracle is
    missing or does not know the function (reverted, or no code: empty answer)."""
    tag = hex(block) if isinstance(block, int) else block
    answers = await client.batch(
        [
            ("eth_call", [{"to": GAS_PRICE_ORACLE, "data": "0x" + fn.encode(*a).hex()}, tag])
            for fn, a in calls
        ]
    )
    out: list[Any] = []
    for (fn, _), ans in zip(calls, answers, strict=True):
        if isinstance(ans, RpcResponseError):  # reverted, or an unknown method
            out.append(None)
        elif isinstance(ans, BaseException):
            raise ans  # transport trouble is not "no oracle"
        else:
            data = hex_to_bytes(ans)
            out.append(fn.decode(data)[0] if len(data) >= 32 else None)
    return out


async def op_l1_fee_params(client: ChainClient, block: BlockTag = "latest") -> L1FeeParams | None:
    """The L1 fee inputs at `block` (the block a transaction was included in: L1Block is set by
    the block's first, system, transaction, so its post-state holds what every user transaction
    in the block paid with). None for pre-Ecotone chains or chains without the oracle."""
    fjord, ecotone, base, blob, scalar, blob_scalar = await _gpo_calls(
        client,
        [
            (GPO_IS_FJORD, ()),
            (GPO_IS_ECOTONE, ()),
            (GPO_L1_BASE_FEE, ()),
            (GPO_BLOB_BASE_FEE, ()),
            (GPO_BASE_FEE_SCALAR, ()),
            (GPO_BLOB_BASE_FEE_SCALAR, ()),
        ],
        block,
    )
    if not (fjord or ecotone) or None in (base, blob, scalar, blob_scalar):
        return None
    return L1FeeParams(bool(fjord), int(base), int(blob), int(scalar), int(blob_scalar))


async def op_l1_fee_ceiling(client: ChainClient, unsigned_tx: bytes) -> int:
    """Most L1 data fee a not yet signed transaction should be charged, for a balance check.

    Fjord+: `getL1FeeUpperBound(len(unsigned tx))`, the oracle's documented write-path bound
    (unsigned size + 68 for the signature, then the FastLZ worst case size + size/255 + 16), so
    unlike `getL1Fee(unsigned)` it cannot fall short when the signature compresses worse than the
    68-byte allowance. Pre-Fjord oracles lack it: `getL1Fee(unsigned)` (calldata gas + 68 x 16,
    an upper bound there). 0 if the chain has no oracle.
    """
    bound, fee = await _gpo_calls(
        client,
        [(GPO_GET_L1_FEE_UPPER_BOUND, (len(unsigned_tx),)), (GPO_GET_L1_FEE, (unsigned_tx,))],
        "latest",
    )
    return int(bound if bound is not None else fee if fee is not None else 0)


def unsigned_tx_bytes(
    *, chain_id: int, nonce: int, fees: Fees, gas: int, to: str, value: int, data: bytes = b""
) -> bytes:
    """The unsigned EIP-2718 encoding (type 2, or EIP-155 legacy) the oracle's size counts."""
    dest = hex_to_bytes(to)
    if fees.legacy:
        fields: list[Any] = [nonce, fees.gas_price, gas, dest, value, data, chain_id, 0, 0]
        return bytes(rlp.encode(fields))
    body = [
        chain_id,
        nonce,
        fees.max_priority_fee_per_gas,
        fees.max_fee_per_gas,
        gas,
        dest,
        value,
        data,
        [],
    ]
    return b"\x02" + bytes(rlp.encode(body))


"""OP Stack predeploy holding the L1 fee inputs; set by the system deposit opening each block."""


async def op_l1_fee_params_of_block(client: ChainClient, block: int) -> L1FeeParams | None:
    """The L1 fee inputs the transactions of mined block `block` paid with.

    OP nodes set L1Block with the block's first (system deposit) transaction, so those values are
    block `block`'s post-state. Anvil's OP devnets write L1Block out of band instead
    (`anvil_setStorageAt`), and anvil books such a write into the *head* block's state: then the
    values block `block` started with are the state of `block - 1`, and `block`'s own state may
    already hold the next block's values. Both are read; when they differ, a system deposit
    opening the block decides.
    """
    before, after = await asyncio.gather(
        op_l1_fee_params(client, block - 1), op_l1_fee_params(client, block)
    )
    if before is None or before == after:
        return after
    first = ((await client.get_block(block, full=True)).get("transactions") or [None])[0]
    system = isinstance(first, dict) and first.get("type") == "0x7e"
    if system and str(first.get("to") or "").lower() == L1_BLOCK.lower():
        return after
    return before
