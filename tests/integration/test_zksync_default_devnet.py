"""The ZKsync component beside the others: `default_config(zksync=True)` (L1 900, OP Stack
901/902, Arbitrum 903, ZKsync 906 on one L1). A deposit and a withdrawal, each to the wei,
while the other stacks' relayers share the L1; and the chain's genesis ETH is backed once."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest_asyncio

from interop.adapters.base import AdapterContext, BridgeRequest, FlowKind, Status
from interop.adapters.zksync import adapter_factory
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS
from interop.devnet.core import Devnet
from interop.devnet.presets import default_config
from interop.signer import account_from_key
from interop.testing.conformance import Env, SigningLog, drive_to_end, fresh_address
from interop.units import ether


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    async with Devnet(default_config(zksync=True, scroll=False)) as dn:
        yield dn


async def test_zksync_beside_the_other_stacks(devnet: Devnet) -> None:
    assert {900, 901, 902, 903, 906} <= set(devnet.chains)
    comp = devnet.component("zksync")
    assert getattr(comp, "startup_seconds", 99) < 10
    me = account_from_key(os.urandom(32))
    for cid in (900, 906):
        await devnet.transport(cid).request("anvil_setBalance", [me.address, hex(ether("10"))])
    async with ChainClient(devnet.chain(900)) as l1, ChainClient(devnet.chain(906)) as l2:
        escrow = devnet.chain(906).parent_contracts[900][ContractName.ZK_NULLIFIER]
        genesis = sum([await l2.get_balance(a) for a, _ in DEV_ACCOUNTS])
        assert await l1.get_balance(escrow) == genesis  # backed once, by one party
        a = adapter_factory()
        for src, dst, value in ((l1, l2, ether("0.2") + 1), (l2, l1, ether("0.1") + 2)):
            ctx = AdapterContext(src, dst, me)
            to = fresh_address()
            ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to))
            env = Env(devnet, a, {900: l1, 906: l2}, SigningLog(me), src.chain.id, dst.chain.id)
            d = await drive_to_end(env, ref)
            assert d.seen[-1].status is Status.FINALIZED
            assert await dst.get_balance(to) == value
