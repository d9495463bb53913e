"""The conformance kit (`interop.testing`) on both ZKsync routes, to the wei.

Runs on a devnet of its own (L1 900 + the ZKsync emulation 906, see docs/devnet-zksync.md),
which this module's `devnet` fixture provides in place of the session's default one, as a
third-party family package would before the chain is in the default preset. The adapter is
registered through the kit's factories (no entry point yet).

ZKsync -> L1 carries ETH only: ZKsync has no executor of L2->L1 messages on L1 (a message is
proven by the L1 contract that consumes it), so the kit's message checks are skipped on that
route and `initiate` refuses a message there (tests/integration/test_zksync_flows.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from interop.adapters.base import Direction, FlowKind, Status
from interop.adapters.zksync import adapter_factory
from interop.adapters.zksync.refdata import REBUILD_MAY_DIFFER
from interop.chains.data.devnet import DEVNET_L1
from interop.devnet.core import Devnet, DevnetChainSpec, DevnetConfig
from interop.devnet.zksync import DEVNET_ZKSYNC, make_component
from interop.testing.conformance import AdapterConformance, Env, Flow

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


_NO_L2_TO_L1_MESSAGES = "ZKsync has no executor of L2->L1 messages on L1"


class TestZkSyncWithdrawal(AdapterConformance):
    adapter_factory = staticmethod(adapter_factory)
    SOURCE, TARGET = L2, L1
    DIRECTION = Direction.L2_TO_L1
    SUPPORTED = frozenset({(L1, L2), (L2, L1)})
    FIRST_STATES = frozenset({Status.WAITING_TO_FINALIZE})
    WAITS = True
    STEPS = frozenset({1})  # finalizeDeposit on L1 with the log proof
    REBUILD_MAY_DIFFER = REBUILD_MAY_DIFFER

    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_estimate_is_positive(self, env: Env, kind: FlowKind) -> None:
        if kind is FlowKind.MESSAGE:
            pytest.skip(_NO_L2_TO_L1_MESSAGES)
        await super().test_estimate_is_positive(env, kind)

    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_estimate_for_a_sender_without_key(self, env: Env, kind: FlowKind) -> None:
        if kind is FlowKind.MESSAGE:
            pytest.skip(_NO_L2_TO_L1_MESSAGES)
        await super().test_estimate_for_a_sender_without_key(env, kind)

    @pytest.mark.parametrize("kind", [FlowKind.ETH, FlowKind.MESSAGE])
    async def test_through_the_facade_and_its_journal(
        self, env: Env, kind: FlowKind, tmp_path: Path
    ) -> None:
        if kind is FlowKind.MESSAGE:
            pytest.skip(_NO_L2_TO_L1_MESSAGES)
        await super().test_through_the_facade_and_its_journal(env, kind, tmp_path)

    async def test_message_ref(self, msg_flow: Flow) -> None:
        pytest.skip(_NO_L2_TO_L1_MESSAGES)

    async def test_message_delivered_with_data_and_value(self, msg_flow: Flow) -> None:
        pytest.skip(_NO_L2_TO_L1_MESSAGES)

    async def test_every_transaction_is_signed_through_the_context_signer(
        self, eth_flow: Flow, msg_flow: Flow
    ) -> None:
        pytest.skip("replaced by test_every_withdrawal_transaction_is_signed_by_ctx_signer")

    async def test_every_withdrawal_transaction_is_signed_by_ctx_signer(
        self, eth_flow: Flow
    ) -> None:
        """The kit's signing check on the ETH flow alone: initiate and finalize signed by
        ctx.signer, and no transaction of the account on either chain that it did not sign."""
        env = eth_flow.env
        d = await eth_flow.finish()
        signed = {h for _, h in env.signer.signed}
        assert eth_flow.ref.tx_hash in signed
        assert d.sent and all(tx in signed for tx in d.sent)
        for cid in env.chain_ids:
            sent = await env.nonce(cid) - env.nonces_at_start[cid]
            assert sent <= env.signer.count(cid), (cid, sent, env.signer.count(cid))

    @pytest_asyncio.fixture(scope="class", loop_scope="session")
    @classmethod
    async def msg_flow(cls, env: Env) -> Flow:  # type: ignore[override]
        pytest.skip(_NO_L2_TO_L1_MESSAGES)
