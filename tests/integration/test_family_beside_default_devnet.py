"""A family's component beside the others: `default_config(<family>=True)` (L1 900, OP Stack
901/902, Arbitrum 903 and the family's L2 on one L1), for Linea (904) and ZKsync (906). A
deposit and a withdrawal, each to the wei, while the other stacks' relayers share the L1; and
the family's genesis ETH is backed exactly once, by one party, in its L1 escrow."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import pytest_asyncio

from interop.adapters.base import AdapterContext, BridgeAdapter, BridgeRequest, FlowKind, Status
from interop.adapters.linea import adapter_factory as linea_adapter
from interop.adapters.zksync import adapter_factory as zksync_adapter
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS
from interop.devnet.core import Devnet
from interop.devnet.presets import default_config
from interop.signer import account_from_key
from interop.testing.conformance import Env, SigningLog, drive_to_end, fresh_address
from interop.units import ether


@dataclass(frozen=True)
class Family:
    component: str
    l2_id: int
    escrow: str
    """The L1 contract (`parent_contracts[900]` name) that holds the L2's ETH."""
    config: dict[str, bool]
    chains: frozenset[int]
    """Exactly the devnet's chains under `config`."""
    adapter: Callable[[], BridgeAdapter]


FAMILIES = [
    Family(
        "linea",
        904,
        ContractName.LINEA_MESSAGE_SERVICE,
        {"linea": True, "zksync": False, "scroll": False},
        frozenset({900, 901, 902, 903, 904}),
        linea_adapter,
    ),
    Family(
        "zksync",
        906,
        ContractName.ZK_NULLIFIER,
        {"zksync": True, "scroll": False},  # Linea 904 runs beside it too
        frozenset({900, 901, 902, 903, 904, 906}),
        zksync_adapter,
    ),
]


@pytest.fixture(scope="module", params=FAMILIES, ids=[f.component for f in FAMILIES])
def family(request: pytest.FixtureRequest) -> Family:
    f: Family = request.param
    return f


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet(family: Family) -> AsyncIterator[Devnet]:
    async with Devnet(default_config(**family.config)) as dn:
        yield dn


async def test_family_beside_the_other_stacks(family: Family, devnet: Devnet) -> None:
    assert set(devnet.chains) == family.chains
    comp = devnet.component(family.component)
    assert getattr(comp, "startup_seconds", 99) < 10
    me = account_from_key(os.urandom(32))
    l2_id = family.l2_id
    for cid in (900, l2_id):
        await devnet.transport(cid).request("anvil_setBalance", [me.address, hex(ether("10"))])
    async with ChainClient(devnet.chain(900)) as l1, ChainClient(devnet.chain(l2_id)) as l2:
        escrow = devnet.chain(l2_id).parent_contracts[900][family.escrow]
        genesis = sum([await l2.get_balance(a) for a, _ in DEV_ACCOUNTS])
        assert await l1.get_balance(escrow) == genesis  # backed once, by one party
        a = family.adapter()
        for src, dst, value in ((l1, l2, ether("0.2") + 1), (l2, l1, ether("0.1") + 2)):
            ctx = AdapterContext(src, dst, me)
            to = fresh_address()
            ref = await a.initiate(ctx, BridgeRequest(FlowKind.ETH, value, to))
            # the conformance kit's driver: the protocol alone plus devnet.advance
            env = Env(devnet, a, {900: l1, l2_id: l2}, SigningLog(me), src.chain.id, dst.chain.id)
            d = await drive_to_end(env, ref)
            assert d.seen[-1].status is Status.FINALIZED
            assert await dst.get_balance(to) == value
