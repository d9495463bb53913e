"""The Arbitrum devnet's redeem path (`Relayer.redeem_in_block`, which the shim routes a user's
signed `ArbRetryableTx.redeem` to) under the conditions of a busy devnet: another party mining
L2 blocks while the redeem's block is built (`Devnet.advance` mines every node directly, not
under the relayer's lock), the same signed redeem broadcast again (a client whose answer was
lost), and a relayer holding its lock longer than the client waits for an answer.

In each case the redeem must be mined, its retry run exactly once and recorded, and the redeem's
receipt served (the shim withholds a redeem's receipt until its retry is recorded)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from interop.actions.tx import send_transaction, sign_transaction, wait_for_receipt
from interop.client import ChainClient
from interop.devnet.arbitrum import ArbitrumDevnet
from interop.devnet.arbitrum.artifacts import calldata
from interop.devnet.arbitrum.relayer import ARBOS
from interop.devnet.core import Devnet
from interop.rpc.models import Receipt
from interop.signer import SafeSigner
from interop.spec.arbitrum.formulas import (
    ARB_RETRYABLE_TX,
    REDEEM_SCHEDULED_TOPIC,
    decode_redeem_scheduled,
)
from interop.types import hex_to_bytes, to_address, to_hash32
from interop.units import ether
from tests.integration.test_arbitrum_devnet import _GATED, _funded, _retryable

pytestmark = pytest.mark.integration

L1, L2 = 900, 903


@pytest.fixture
async def arb(devnet: Devnet) -> ArbitrumDevnet:
    comp = devnet.component("arbitrum")
    assert isinstance(comp, ArbitrumDevnet)
    return comp


@pytest.fixture
async def clients(devnet: Devnet) -> AsyncIterator[tuple[ChainClient, ChainClient]]:
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(L2)) as l2:
        yield l1, l2


def _target(tag: str) -> str:
    return to_address(keccak(f"interop redeem in block target {tag}".encode())[:20])


async def _failed_ticket(
    devnet: Devnet,
    arb: ArbitrumDevnet,
    l1: ChainClient,
    l2: ChainClient,
    tag: str,
    *,
    open_gate: bool = True,
) -> tuple[SafeSigner, str, str, int]:
    """A retryable whose auto-redeem failed (its target is gated shut): (user, ticket, target,
    call value). With `open_gate` the gate is then opened and a manual redeem succeeds; without,
    its retry fails again and the ticket stays redeemable."""
    user = await _funded(l1, l2, f"redeem in block {tag}")
    inbox = devnet.chain(L2).parent_contract("inbox", L1)
    target = _target(tag)
    await l2.request("anvil_setCode", [target, "0x" + _GATED.hex()])
    value = ether("0.01")
    ticket, _ = await _retryable(l1, l2, user, inbox, target, value, b"", 100_000)
    await arb.sync()
    rcpt = await l2.get_receipt(ticket)
    assert rcpt is not None and rcpt.succeeded
    assert await l2.get_balance(target) == 0  # the auto-redeem failed
    if open_gate:
        one = "0x" + (1).to_bytes(32, "big").hex()
        await l2.request("anvil_setStorageAt", [target, "0x0", one])
    return user, ticket, target, value


def _scheduled(rcpt: Receipt) -> list[str]:
    return [
        decode_redeem_scheduled(x).retry_tx_hash
        for x in rcpt.logs
        if x.address == ARB_RETRYABLE_TX and x.topics and x.topics[0] == REDEEM_SCHEDULED_TOPIC
    ]


async def _settlement_blocks(devnet: Devnet, ticket: str, from_block: int) -> list[int]:
    """The blocks of the ArbOS settlements of `ticket` mined since `from_block` (one per retry
    that ran), read from the L2 node's blocks."""
    node = devnet.transport(L2)
    head = int(await node.request("eth_blockNumber", []), 16)
    settle = "0x" + calldata("emuSettle(bytes32,bool)", hex_to_bytes(ticket), False).hex()[:72]
    found = []
    for b in range(from_block, head + 1):
        block = await node.request("eth_getBlockByNumber", [hex(b), True])
        for tx in block["transactions"]:
            if str(tx["from"]).lower() == ARBOS.lower() and str(tx["input"]).startswith(settle):
                found.append(b)
    return found


async def _check_redeemed_once(
    devnet: Devnet,
    l2: ChainClient,
    arb: ArbitrumDevnet,
    redeem_hash: str,
    ticket: str,
    target: str,
    value: int,
    *,
    succeeds: bool = True,
) -> None:
    """The redeem's receipt is served, it scheduled one retry, that retry is recorded with the
    outcome it had, exactly one retry ran (one ArbOS settlement), the target got the call value
    once (or not at all), and nothing is left half-done."""
    rcpt = await wait_for_receipt(l2, redeem_hash, timeout=20)
    (retry_hash,) = _scheduled(rcpt)
    retry = await l2.get_receipt(retry_hash)
    assert retry is not None and retry.succeeded == succeeds
    await arb.sync()
    assert len(await _settlement_blocks(devnet, ticket, rcpt.block_number)) == 1
    assert await l2.get_balance(target) == (value if succeeds else 0)
    relayer = arb.relayer
    assert relayer is not None
    assert not relayer._attempts  # nothing begun and left over


@contextlib.asynccontextmanager
async def _miner(devnet: Devnet) -> AsyncIterator[list[int]]:
    """Mines L2 blocks back to back on the anvil node itself (as `Devnet.fast_forward` does,
    bypassing the shim and the relayer's lock) for as long as the block lasts."""
    mined = [0]
    stop = asyncio.Event()
    node = devnet.transport(L2)

    async def run() -> None:
        while not stop.is_set():
            await node.request("evm_mine", [])
            mined[0] += 1
            await asyncio.sleep(0)

    task = asyncio.ensure_future(run())
    try:
        yield mined
    finally:
        stop.set()
        await task


async def test_redeem_while_another_party_mines_l2_blocks(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """A block mined by someone else in the middle of the redeem's block (the redeem in it,
    the rest of the block in the next) must not leave the retry unrecorded. Before, the relayer
    simulated the already-mined redeem a second time (a wrong retry hash), raised "ArbOS
    release ... moved" after everything was mined and recorded nothing; the shim then withheld
    the redeem's receipt forever (test_watch_scan's ReceiptTimeoutError)."""
    l1, l2 = clients
    split = False
    for attempt in range(3):  # the miner lands inside the block nearly always; else again
        user, ticket, target, value = await _failed_ticket(devnet, arb, l1, l2, f"miner {attempt}")
        async with _miner(devnet) as mined:
            while mined[0] < 3:
                await asyncio.sleep(0.01)
            h = await send_transaction(
                l2,
                user,
                to=ARB_RETRYABLE_TX,
                data=calldata("redeem(bytes32)", hex_to_bytes(ticket)),
                gas=300_000,
            )
            rcpt = await wait_for_receipt(l2, h, timeout=20)
        await _check_redeemed_once(devnet, l2, arb, h, ticket, target, value)
        (settled,) = await _settlement_blocks(devnet, ticket, rcpt.block_number)
        split = settled > rcpt.block_number  # settled after the redeem's block: it was split
        if split:
            break
    assert split, "the other miner never landed inside a redeem's block"


async def _ticket_sender(l2: ChainClient, ticket: str) -> str:
    (frm,) = abi_decode(
        ["address"],
        (await l2.call(ARB_RETRYABLE_TX, calldata("emuTicket(bytes32)", hex_to_bytes(ticket))))[
            :32
        ],
    )
    return to_address(frm)


async def _send_raw(url: str, raw: str) -> dict[str, Any]:
    """One `eth_sendRawTransaction` as a client sends it; the JSON-RPC answer as it came."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]}
    async with aiohttp.ClientSession() as s, s.post(url, json=body) as resp:
        out: dict[str, Any] = await resp.json()
    return out


def _signed_redeem(user: SafeSigner, ticket: str, nonce: int) -> tuple[str, str]:
    signed = sign_transaction(
        user,
        {
            "chainId": L2,
            "to": ARB_RETRYABLE_TX,
            "data": "0x" + calldata("redeem(bytes32)", hex_to_bytes(ticket)).hex(),
            "gas": 300_000,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
            "value": 0,
            "nonce": nonce,
        },
        chain_id=L2,
    )
    return "0x" + bytes(signed.raw_transaction).hex(), to_hash32(bytes(signed.hash))


async def test_same_signed_redeem_broadcast_twice(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """A client whose answer was lost sends the same bytes again (twice at the same time, then
    once after they were handled): every answer is the hash, the redeem runs once and its retry
    once, and the relayer keeps none of the gas money it mints for the retry. The retry fails
    (the ticket stays live), so a re-broadcast handled as a new redeem would run it again:
    before, each copy after the first simulated a second redeem and ran a phantom retry."""
    l1, l2 = clients
    user, ticket, target, value = await _failed_ticket(
        devnet, arb, l1, l2, "twice", open_gate=False
    )
    frm = await _ticket_sender(l2, ticket)
    before = await l2.get_balance(frm)
    raw, h = _signed_redeem(user, ticket, await l2.get_nonce(user.address))
    url = devnet.chain(L2).rpc_urls[0]
    answers = await asyncio.gather(_send_raw(url, raw), _send_raw(url, raw))
    answers.append(await _send_raw(url, raw))
    assert [a.get("result") for a in answers] == [h] * 3, answers
    await _check_redeemed_once(devnet, l2, arb, h, ticket, target, value, succeeds=False)
    assert await l2.get_balance(frm) == before


async def test_redeem_while_the_relayer_holds_its_lock_past_the_client_timeout(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """A relayer step longer than the client waits for an answer: the client gives up on the
    send (its attempts time out), looks the hash up and re-broadcasts the same bytes while the
    first copy still waits for the lock. Once the lock is free the redeem is mined once, its
    retry runs once, and the receipt is served. The retry fails (the ticket stays live): before,
    every queued copy was simulated as a new redeem and ran a retry of its own (6 settlements
    for one redeem)."""
    l1, l2 = clients
    user, ticket, target, value = await _failed_ticket(devnet, arb, l1, l2, "lock", open_gate=False)
    relayer = arb.relayer
    assert relayer is not None
    held = asyncio.Event()

    async def hold() -> None:
        async with relayer.lock:
            held.set()
            await asyncio.sleep(3.0)

    holder = asyncio.ensure_future(hold())
    await held.wait()
    async with ChainClient(devnet.chain(L2), timeout=0.5, deadline=1.0) as impatient:
        h = await send_transaction(
            impatient,
            user,
            to=ARB_RETRYABLE_TX,
            data=calldata("redeem(bytes32)", hex_to_bytes(ticket)),
            gas=300_000,
        )
        await holder
        await _check_redeemed_once(devnet, impatient, arb, h, ticket, target, value, succeeds=False)
