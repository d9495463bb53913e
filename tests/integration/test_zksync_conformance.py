"""The conformance kit (`interop.testing`) on both ZKsync routes, to the wei.

Runs on a devnet of its own (L1 900 + the ZKsync emulation 906, see docs/devnet-zksync.md),
which this module's `devnet` fixture provides in place of the session's default one, as a
third-party family package would before the chain is in the default preset. The adapter is
registered through the kit's factories (no entry point yet).

ZKsync -> L1 messages: ZKsync has no executor of L2->L1 messages on L1 (a message is proven by
the L1 contract that consumes it), so on that route the kit's delivery check is replaced by the
L1 Mailbox accepting the proof the FINALIZED status carries, and the facade's message run
(which expects value credited) is skipped; messages carry no value there (MSG_VALUE = 0).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from interop.actions.contract import call_one
from interop.adapters.base import Direction, FlowKind, Status
from interop.adapters.zksync import adapter_factory
from interop.adapters.zksync.refdata import REBUILD_MAY_DIFFER
from interop.chains.data.devnet import DEVNET_L1
from interop.chains.model import ContractName
from interop.devnet.core import Devnet, DevnetChainSpec, DevnetConfig
from interop.devnet.zksync import DEVNET_ZKSYNC, make_component
from interop.errors import AlreadyDoneError
from interop.spec.zksync import abis
from interop.testing.conformance import AdapterConformance, Env, Flow
from interop.types import hex_to_bytes

L1, L2 = DEVNET_L1.id, DEVNET_ZKSYNC.id


def zksync_config() -> DevnetConfig:
    return DevnetConfig(
        chains=[DevnetChainSpec(DEVNET_L1), DevnetChainSpec(DEVNET_ZKSYNC)],
        components=[make_component(l1_id=L1, l2_id=L2)],
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    async with Devnet(zksync_config()) as dn:
        yield dn


class TestZkSyncDeposit(AdapterConformance):
    adapter_factory = staticmethod(adapter_factory)
    SOURCE, TARGET = L1, L2
    DIRECTION = Direction.L1_TO_L2
    SUPPORTED = frozenset({(L1, L2), (L2, L1)})
    FIRST_STATES = frozenset({Status.PENDING, Status.FINALIZED})
    STEPS = frozenset({0})  # the sequencer executes the priority operation
    REBUILD_MAY_DIFFER = REBUILD_MAY_DIFFER


_NO_L1_EXECUTOR = "ZKsync has no executor of L2->L1 messages on L1 (the consumer proves them)"


class TestZkSyncWithdrawal(AdapterConformance):
    adapter_factory = staticmethod(adapter_factory)
    SOURCE, TARGET = L2, L1
    DIRECTION = Direction.L2_TO_L1
    SUPPORTED = frozenset({(L1, L2), (L2, L1)})
    FIRST_STATES = frozenset({Status.WAITING_TO_FINALIZE})
    WAITS = True
    STEPS = frozenset({0, 1})  # ETH: finalizeDeposit on L1; a message: none (provable on L1)
    REBUILD_MAY_DIFFER = REBUILD_MAY_DIFFER
    MSG_VALUE = 0  # L1Messenger.sendToL1 carries bytes only

    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_through_the_facade_and_its_journal(
        self, env: Env, kind: FlowKind, tmp_path: Path
    ) -> None:
        if kind is FlowKind.MESSAGE:
            pytest.skip(_NO_L1_EXECUTOR + "; nothing is credited")
        await super().test_through_the_facade_and_its_journal(env, kind, tmp_path)

    async def test_message_delivered_with_data_and_value(self, msg_flow: Flow) -> None:
        """Instead of a recorder called on L1: the message is FINALIZED (provable) with no
        caller step, and the L1 Mailbox accepts the proof its status carries."""
        d = await msg_flow.finish()
        st = d.seen[-1]
        assert st.status is Status.FINALIZED and d.steps_sent == 0
        env, req, ref = msg_flow.env, msg_flow.request, msg_flow.ref
        assert ref.data["message"] == "0x" + req.data.hex()
        diamond = env.devnet.chain(L2).parent_contracts[L1][ContractName.ZK_DIAMOND_PROXY]
        msg = (st.details["l2_tx_number_in_batch"], env.signer.address, req.data)
        proof = [hex_to_bytes(p) for p in st.details["proof"]]
        args = (st.details["l1_batch"], st.details["l2_message_index"], msg, proof)
        assert await call_one(env.clients[L1], diamond, abis.PROVE_L2_MESSAGE_INCLUSION, *args)
        with pytest.raises(AlreadyDoneError):
            await env.adapter.execute_next(env.ctx(), ref)
