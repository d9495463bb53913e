"""The OP Stack family: the L1 data fee (Ecotone / Fjord) and the genesis escrow (the portal).

Every OP Stack transaction also pays for posting its bytes to L1, on top of gas x price. The
formula is the chain's (Fjord+: FastLZ size -> linear regression -> L1 base / blob fee scalars;
Ecotone: calldata gas); its inputs live in the L1Block predeploy and the GasPriceOracle predeploy
exposes both. The predeploy addresses are OP Stack constants (`interop.spec.opstack`), so they
are data, never read from an RPC answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from interop.abi import Fn
from interop.chains.model import Chain, ContractName, Stack
from interop.client import BlockTag, ChainClient
from interop.errors import RpcResponseError
from interop.families.base import UnsignedTx
from interop.spec.opstack.predeploys import GAS_PRICE_ORACLE, L1_BLOCK, L1_FEE_VAULT
from interop.types import hex_to_bytes

__all__ = [
    "GAS_PRICE_ORACLE",
    "GPO_GET_L1_FEE",
    "GPO_GET_L1_FEE_UPPER_BOUND",
    "L1_BLOCK",
    "L1_FEE_VAULT",
    "L1FeeParams",
    "OpStackFamily",
    "family",
    "fjord_l1_fee",
    "flz_compress_len",
    "op_l1_fee_ceiling",
    "op_l1_fee_params",
    "op_l1_fee_params_of_block",
]

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


class OpStackFamily:
    """OP Stack chains (and forks that keep its GasPriceOracle): a separate L1 data fee."""

    name = Stack.OPSTACK
    charges_l1_data_fee = True

    async def l1_data_fee(
        self, client: ChainClient, tx: bytes | UnsignedTx, *, block: int | None = None
    ) -> int:
        """Signed bytes: what the node charges them (Ecotone/Fjord formula with L1Block's
        values of `block`, exact to the wei); `UnsignedTx`: GasPriceOracle's upper bound."""
        if isinstance(tx, UnsignedTx):
            return await op_l1_fee_ceiling(client, tx.encode())
        params = await (
            op_l1_fee_params(client) if block is None else op_l1_fee_params_of_block(client, block)
        )
        return 0 if params is None else params.fee(tx)

    def genesis_escrow(self, chain: Chain) -> str | None:
        """OptimismPortal holds every deposited ETH and pays finalized withdrawals."""
        return ContractName.OPTIMISM_PORTAL


def family() -> OpStackFamily:
    """Entry point of the `interop.families` group."""
    return OpStackFamily()
