"""The conformance kit (`interop.testing`) on both Linea routes, ETH and messages, to the wei.

Runs on a devnet of its own (L1 900 + the Linea L2 904 with the real message-service
contracts and the coordinator/postman stand-in; ~2 s to start), which this module's `devnet`
fixture provides in place of the session's default one, as a third-party family package would
before the Linea chain is in the default preset.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from interop.adapters.base import Direction, Status
from interop.adapters.linea import adapter_factory
from interop.adapters.linea.refdata import REBUILD_MAY_DIFFER
from interop.chains.data.devnet import DEVNET_L1
from interop.devnet.core import Devnet, DevnetChainSpec, DevnetConfig
from interop.devnet.linea import DEVNET_LINEA, make_component
from interop.testing.conformance import AdapterConformance

L1, L2 = DEVNET_L1.id, DEVNET_LINEA.id


def linea_config() -> DevnetConfig:
    return DevnetConfig(
        chains=[DevnetChainSpec(DEVNET_L1), DevnetChainSpec(DEVNET_LINEA)],
        components=[make_component(l1_id=L1, l2_id=L2)],
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    async with Devnet(linea_config()) as dn:
        yield dn


class TestLineaDeposit(AdapterConformance):
    adapter_factory = staticmethod(adapter_factory)
    SOURCE, TARGET = L1, L2
    DIRECTION = Direction.L1_TO_L2
    SUPPORTED = frozenset({(L1, L2), (L2, L1)})
    FIRST_STATES = frozenset({Status.PENDING, Status.READY_TO_FINALIZE})
    STEPS = frozenset({1})  # no fee: the caller claims on Linea
    REBUILD_MAY_DIFFER = REBUILD_MAY_DIFFER


class TestLineaWithdrawal(AdapterConformance):
    adapter_factory = staticmethod(adapter_factory)
    SOURCE, TARGET = L2, L1
    DIRECTION = Direction.L2_TO_L1
    SUPPORTED = frozenset({(L1, L2), (L2, L1)})
    FIRST_STATES = frozenset({Status.WAITING_TO_FINALIZE})
    WAITS = True
    STEPS = frozenset({1})  # the claim on L1 with a locally built proof
    REBUILD_MAY_DIFFER = REBUILD_MAY_DIFFER
