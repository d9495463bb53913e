"""The OP Stack L1 data fee in native transfers: checked before sending, reported after, exactly.

Runs on the session devnet (901/902: anvil in OP mode, GasPriceOracle with Fjord active, the
relayer keeping L1Block current, so a real L1 fee is charged). Every test uses its own key,
derived from a fixed string and funded with `anvil_setBalance`, so no other test's nonces or
balances interfere; balances are compared between the block before and the block of each
transaction (automine: one transaction per block).
"""

from __future__ import annotations

import os
import random

import pytest
from eth_utils.crypto import keccak

from interop.actions.fees import estimate_fees
from interop.actions.transfer import paid_fee, send_native
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.chains.model import Stack
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import InsufficientFundsError
from interop.families.opstack import (
    GAS_PRICE_ORACLE,
    GPO_GET_L1_FEE,
    L1_FEE_VAULT,
    fjord_l1_fee,
    flz_compress_len,
    op_l1_fee_params,
)
from interop.signer import SafeSigner, account_from_key
from interop.types import hex_to_bytes, to_address
from interop.units import ether

pytestmark = pytest.mark.integration


def _client(devnet: Devnet, cid: int) -> ChainClient:
    return ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)


async def _funded(devnet: Devnet, cid: int, label: str, balance: int) -> SafeSigner:
    signer = account_from_key(keccak(f"interop tests: transfer_l1fee / {label}".encode()))
    await devnet.transport(cid).request("anvil_setBalance", [signer.address, hex(balance)])
    return signer


def _fresh() -> str:
    return to_address(os.urandom(20))


async def _delta(client: ChainClient, addr: str, block: int) -> int:
    return await client.get_balance(addr, block) - await client.get_balance(addr, block - 1)


@pytest.mark.parametrize("cid", [901, 902])
async def test_fee_includes_l1_fee_to_the_wei(devnet: Devnet, cid: int) -> None:
    client = _client(devnet, cid)
    signer = await _funded(devnet, cid, f"exact {cid}", ether("1"))
    value = ether("0.0123") + 11
    # The relayer writes L1Block out of band into the head block's state; holding its lock keeps
    # the L1 fee parameters of block n still while this test reads them (seen with seed 20779).
    async with devnet.component("opstack").relayers[cid].lock:  # type: ignore[attr-defined]
        await _exact_fee(client, signer, value)


async def _exact_fee(client: ChainClient, signer: SafeSigner, value: int) -> None:
    result = await send_native(client, signer, _fresh(), value)
    rcpt = result.receipt
    assert rcpt is not None and result.fee is not None
    assert "l1Fee" not in rcpt.raw  # anvil's OP mode: the reason `fee` has to recompute it

    n = rcpt.block_number
    assert -(await _delta(client, signer.address, n)) == value + result.fee
    l1_fee = result.fee - rcpt.fee
    assert l1_fee > 0
    assert await _delta(client, L1_FEE_VAULT, n) == l1_fee  # alone in its block: the vault agrees

    # The oracle's getL1Fee adds a 68-byte signature allowance to its input, so fed the *signed*
    # bytes it over-charges; it is not what the node charged.
    raw = hex_to_bytes(await client.request("eth_getRawTransactionByHash", [result.tx_hash]))
    on_signed = GPO_GET_L1_FEE.decode(
        await client.call(GAS_PRICE_ORACLE, GPO_GET_L1_FEE.encode(raw), block=n)
    )[0]
    assert on_signed > l1_fee


async def test_flz_and_fjord_formula_match_the_oracle_bytecode(devnet: Devnet) -> None:
    """Our FastLZ length + Fjord formula against the real GasPriceOracle (Solady LibZip inside):
    getL1Fee(b) == fjord_l1_fee(flz_len(b) + 68) for random, zero, repetitive and mixed input."""
    client = _client(devnet, 901)
    # Not the head: anvil books out-of-band L1Block writes (the devnet relayer's) into the head
    # block's state, so only a block below the head holds still between the reads.
    await devnet.transport(901).request("evm_mine", [])
    block = await client.block_number() - 1
    params = await op_l1_fee_params(client, block)
    assert params is not None and params.fjord
    rng = random.Random(901)
    inputs = []
    for n in (0, 1, 12, 13, 14, 40, 117, 300, 1000, 4000, 9000):
        rand = rng.randbytes(n)
        inputs += [
            rand,
            bytes(n),
            (b"\x60\x80\x60\x40" * n)[:n],
            rand[: n // 2] + bytes(n - n // 2),
        ]
    inputs.append(rng.randbytes(600) * 3)  # repeats farther back than short matches
    for data in inputs:
        onchain = GPO_GET_L1_FEE.decode(
            await client.call(GAS_PRICE_ORACLE, GPO_GET_L1_FEE.encode(data), block=block)
        )[0]
        ours = fjord_l1_fee(
            flz_compress_len(data) + 68,
            l1_base_fee=params.l1_base_fee,
            blob_base_fee=params.blob_base_fee,
            base_fee_scalar=params.base_fee_scalar,
            blob_base_fee_scalar=params.blob_base_fee_scalar,
        )
        assert ours == onchain, len(data)


async def test_l1_fee_exact_above_the_minimum_size(devnet: Devnet) -> None:
    """A plain transfer compresses below Fjord's 100-byte floor; calldata takes the fee into
    the linear part of the formula, where every compressed byte counts."""
    client = _client(devnet, 902)
    signer = await _funded(devnet, 902, "calldata", ether("1"))
    rng = random.Random(902)
    data = rng.randbytes(300) + bytes(200)
    tx_hash = await send_transaction(client, signer, to=_fresh(), value=5, data=data)
    rcpt = await wait_for_receipt(client, tx_hash)
    raw = hex_to_bytes(await client.request("eth_getRawTransactionByHash", [tx_hash]))
    assert flz_compress_len(raw) > 171  # above the floor: (100e6 + 42_585_600) / 836_500
    fee = await paid_fee(client, rcpt)
    n = rcpt.block_number
    assert -(await _delta(client, signer.address, n)) == 5 + fee
    assert await _delta(client, L1_FEE_VAULT, n) == fee - rcpt.fee


@pytest.mark.parametrize("cid", [901, 902])
async def test_l1_fee_pushing_over_balance_refused_before_sending(devnet: Devnet, cid: int) -> None:
    client = _client(devnet, cid)
    balance = ether("0.001")
    poor = await _funded(devnet, cid, f"poor {cid}", balance)
    nonce = await client.get_nonce(poor.address)
    fees = await estimate_fees(client)
    fits_l2_only = balance - fees.max_cost(21_000)

    with pytest.raises(InsufficientFundsError) as info:
        await send_native(client, poor, _fresh(), fits_l2_only, fees=fees)
    assert "L1 data fee" in str(info.value)
    assert info.value.balance == balance
    l1_ceiling = info.value.required - balance
    assert l1_ceiling > 0
    assert await client.get_nonce(poor.address) == nonce
    assert await client.get_balance(poor.address) == balance

    # Leaving room for the L1 fee (twice the ceiling: the relayer may raise L1 fees meanwhile),
    # the same transfer goes through and the balance moves by exactly value + fee.
    r = await send_native(client, poor, _fresh(), fits_l2_only - 2 * l1_ceiling, fees=fees)
    assert r.receipt is not None and r.fee is not None
    assert r.fee - r.receipt.fee > 0
    assert await client.get_balance(poor.address) == balance - r.value - r.fee


@pytest.mark.parametrize("cid", [900, 903])
async def test_non_op_chains_unchanged(devnet: Devnet, cid: int) -> None:
    assert devnet.chain(cid).stack is not Stack.OPSTACK
    client = _client(devnet, cid)
    balance = ether("0.001")
    signer = await _funded(devnet, cid, f"non-op {cid}", balance)
    fees = await estimate_fees(client)
    value = balance - fees.max_cost(21_000)  # exactly value + gas x max fee: nothing else added
    r = await send_native(client, signer, _fresh(), value, fees=fees)
    assert r.receipt is not None
    assert r.fee == r.receipt.fee
    assert -(await _delta(client, signer.address, r.receipt.block_number)) == value + r.fee
