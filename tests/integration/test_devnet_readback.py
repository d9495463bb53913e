"""Devnet relayers whose step sent a transaction but did not get to record it recover from the
chain at the next step, and never send it again.

A step can fail after its transaction was broadcast (a receipt timeout, an RPC fault); before
`relayloop.locked_step`, a caller's timeout could also cut it there. The relayer's record then
lags the contract, and a relayer that builds the next transaction on that record sends one the
contract refuses, on every step, until it is declared crashed, which takes down every test on
the shared devnet (a CI run saw it for Linea: tests/integration/test_linea_devnet.py). Each test
here rolls a relayer's record back to what such a step leaves, or breaks the step at the
transport seam right after its broadcast, and checks that the next steps neither fail nor send
twice. They run on the session devnet: every relayer recovers, so the others never notice.
"""

from __future__ import annotations

import os

from interop.actions.contract import call_one, send_call
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.devnet.zksync import ZkSyncDevnet
from interop.signer import account_from_key
from interop.spec.zksync import abis as zk
from interop.spec.zksync.addresses import L1_MESSENGER
from interop.testing.fixtures import fund

L1, ZKSYNC = 900, 906


async def test_zksync_commit_and_execution_sent_but_not_recorded_are_adopted(
    devnet: Devnet,
) -> None:
    """Before the fix the next commit reused the batch number (`batch order`) and a repeated
    execution reverted (`execute order`) on every step until the sequencer crashed."""
    comp = devnet.component("zksync")
    assert isinstance(comp, ZkSyncDevnet) and comp.sequencer is not None
    seq = comp.sequencer
    diamond = seq.diamond
    me = account_from_key(os.urandom(32))
    await fund(devnet, me.address)
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(ZKSYNC)) as l2:
        await comp.sync()
        sent = await send_call(l2, me, L1_MESSENGER, zk.SEND_TO_L1.encode(b"read back"))
        await comp.sync()
        async with seq.lock:  # what a step that failed after commitBatch + proveBatches leaves
            batch = seq.batches.pop()
            assert batch.tx_numbers.get(sent.transaction_hash.lower()) is not None
            assert batch.logs and not batch.executed
            seq.sealed_block = batch.first_block - 1
            for public in batch.tx_numbers:
                del seq.batch_of[public]
            committed = await call_one(l1, diamond, zk.TOTAL_BATCHES_COMMITTED)
            assert committed == batch.number
        errors = seq.errors
        await comp.sync()
        assert seq.errors == errors, seq.last_error
        assert await call_one(l1, diamond, zk.TOTAL_BATCHES_COMMITTED) == committed  # not resent
        adopted = seq.batches[batch.number - 1]
        assert adopted == batch  # blocks, tx numbers, logs, roots, commit tx and time
        assert seq.batch_for_tx(sent.transaction_hash) == (
            adopted,
            batch.tx_numbers[sent.transaction_hash.lower()],
        )

        await devnet.advance(comp.execute_delay + 10)
        assert adopted.executed
        executed = await call_one(l1, diamond, zk.TOTAL_BATCHES_EXECUTED)
        assert executed >= batch.number
        async with seq.lock:  # what a step that failed after executeBatches leaves
            done = [b for b in seq.batches if b.executed and b.number > batch.number - 1]
            record = [(b.execute_tx, b.executed_at) for b in done]
            for b in done:
                b.executed, b.execute_tx, b.executed_at = False, "", 0
        await comp.sync()
        assert seq.errors == errors, seq.last_error
        assert await call_one(l1, diamond, zk.TOTAL_BATCHES_EXECUTED) == executed
        assert [(b.executed, b.execute_tx, b.executed_at) for b in done] == [
            (True, *r) for r in record
        ]

        # and the next batch goes out as usual
        await send_call(l2, me, L1_MESSENGER, zk.SEND_TO_L1.encode(b"next"))
        await comp.sync()
        assert seq.errors == errors, seq.last_error
        assert await call_one(l1, diamond, zk.TOTAL_BATCHES_COMMITTED) == len(seq.batches)
        assert len(seq.batches) > committed
