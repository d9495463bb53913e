"""The Linea devnet runs the real contracts, backs its genesis ETH, and finalizes with the
Merkle roots of its L2 messages (checked on the contracts' own state, not through the adapter)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest_asyncio

from interop.actions.contract import call_one, send_call
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS
from interop.devnet.core import Devnet
from interop.devnet.linea import LineaDevnet
from interop.devnet.linea.artifacts import bytecode
from interop.signer import account_from_key
from interop.spec.linea import abis
from interop.spec.linea.formulas import decode_message_sent, merkle_root
from interop.types import hex_to_bytes, to_address
from tests.integration.test_linea_conformance import L1, L2, linea_config

IMPL_SLOT = int("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc", 16)
"""EIP-1967 implementation slot of the OpenZeppelin proxy."""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    async with Devnet(linea_config()) as dn:
        yield dn


async def test_real_bytecode_behind_proxies_and_genesis_backed(devnet: Devnet) -> None:
    t0 = time.monotonic()
    comp = devnet.component("linea")
    assert isinstance(comp, LineaDevnet) and comp.startup_seconds < 10
    chain = devnet.chain(L2)
    rollup = chain.parent_contracts[L1][ContractName.LINEA_MESSAGE_SERVICE]
    l2ms = chain.contracts["l2_message_service"]
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(chain) as l2:
        for client, proxy, name in ((l1, rollup, "LineaRollup"), (l2, l2ms, "L2MessageService")):
            impl = to_address((await client.get_storage_at(proxy, IMPL_SLOT))[12:])
            runtime = await client.get_code(impl)
            assert len(runtime) > 5000 and runtime in bytecode(name), name
        genesis = sum([await l2.get_balance(a) for a, _ in DEV_ACCOUNTS])
        assert await l1.get_balance(rollup) >= genesis
    assert time.monotonic() - t0 < 30


async def test_finalization_carries_the_message_roots(devnet: Devnet) -> None:
    chain = devnet.chain(L2)
    rollup = chain.parent_contracts[L1][ContractName.LINEA_MESSAGE_SERVICE]
    l2ms = chain.contracts["l2_message_service"]
    me = account_from_key(DEV_ACCOUNTS[5][1])
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(chain) as l2:
        fee = await call_one(l2, l2ms, abis.MINIMUM_FEE_IN_WEI)
        sent = []
        for i in range(3):
            r = await send_call(
                l2, me, l2ms, abis.SEND_MESSAGE.encode(me.address, fee, b"\x01" * i), value=fee + i
            )
            sent += [
                decode_message_sent(lg) for lg in r.logs if lg.topics[0] == abis.MESSAGE_SENT_TOPIC
            ]
        before = await call_one(l1, rollup, abis.CURRENT_L2_BLOCK_NUMBER)
        await devnet.sync()
        assert await call_one(l1, rollup, abis.CURRENT_L2_BLOCK_NUMBER) == before  # not yet due
        await devnet.advance(700)  # past the coordinator's finalization delay (600 s)
        assert await call_one(l1, rollup, abis.CURRENT_L2_BLOCK_NUMBER) >= sent[-1].block_number
        for m in sent:
            (anchored,) = await l1.get_logs(
                address=rollup,
                topics=[
                    abis.L2_MESSAGING_BLOCK_ANCHORED_TOPIC,
                    "0x" + m.block_number.to_bytes(32, "big").hex(),
                ],
            )
            fin = await l1.get_receipt(anchored.transaction_hash)
            assert fin is not None
            roots = [
                hex_to_bytes(lg.topics[1])
                for lg in fin.logs
                if lg.topics[0] == abis.L2_MERKLE_ROOT_ADDED_TOPIC
            ]
            assert roots
            depths = [await call_one(l1, rollup, abis.L2_MERKLE_ROOTS_DEPTHS, r) for r in roots]
            assert depths == [5] * len(roots)
        hashes = [hex_to_bytes(m.message_hash) for m in sent]
        logs = await l2.get_logs(
            address=l2ms,
            topics=[abis.MESSAGE_SENT_TOPIC],
            from_block=sent[0].block_number,
            to_block=sent[-1].block_number,
        )
        assert [hex_to_bytes(decode_message_sent(lg).message_hash) for lg in logs] == hashes
        # this module's only L2 messages: one tree of three leaves, whose root the contract holds
        assert merkle_root(hashes) in roots
        assert await call_one(l1, rollup, abis.L2_MERKLE_ROOTS_DEPTHS, merkle_root(hashes)) == 5


async def test_a_finalization_sent_but_not_recorded_is_adopted(devnet: Devnet) -> None:
    """A relayer step cancelled (a caller's timeout) after its finalization was mined leaves the
    relayer's record behind the contract's. Before the fix, every later submission started at
    an already finalized block and reverted until the relayer was declared crashed (a CI run
    saw `FirstBlockLessThanOrEqualToLastFinalizedBlock`)."""
    comp = devnet.component("linea")
    assert isinstance(comp, LineaDevnet) and comp.relayer is not None
    relayer = comp.relayer
    chain = devnet.chain(L2)
    rollup = chain.parent_contracts[L1][ContractName.LINEA_MESSAGE_SERVICE]
    me = account_from_key(DEV_ACCOUNTS[6][1])
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(chain) as l2:
        await send_call(l2, me, me.address, b"", value=1)
        await devnet.advance(700)
        stale = relayer.fin
        await send_call(l2, me, me.address, b"", value=1)
        await devnet.advance(700)
        done = await call_one(l1, rollup, abis.CURRENT_L2_BLOCK_NUMBER)
        assert done > stale.last_block
        async with relayer.lock:  # between steps, as a step cancelled after its finalization
            relayer.fin = stale  # leaves it
            errors = relayer.errors
        await send_call(l2, me, me.address, b"", value=1)
        await devnet.advance(700)
        assert relayer.errors == errors, relayer.describe()
        now = await call_one(l1, rollup, abis.CURRENT_L2_BLOCK_NUMBER)
        assert now > done and relayer.fin.last_block == now
        assert relayer.fin.last_timestamp == await call_one(l1, rollup, abis.CURRENT_TIMESTAMP)
