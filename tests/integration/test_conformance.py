"""The packaged `BridgeAdapter` conformance kit (`interop.testing.conformance`), once per adapter
and route of the default devnet: L1 900, OP L2s 901 (fault proofs) / 902 (legacy output oracle),
Arbitrum L2 903. Run exactly as a third-party adapter package would run it."""

from __future__ import annotations

import pytest

from interop.adapters.arbitrum import adapter_factory as arbitrum_factory
from interop.adapters.base import BridgeAdapter, Direction, Status
from interop.adapters.opstack import adapter_factory as opstack_factory
from interop.adapters.superchain.adapter import SuperchainAdapter
from interop.testing.conformance import AdapterConformance

pytestmark = pytest.mark.integration

L1, OP_FP, OP_LEGACY, ARB = 900, 901, 902, 903

_DEPOSIT_FIRST = frozenset({Status.PENDING, Status.FINALIZED})


class _OpStack(AdapterConformance):
    adapter_factory = staticmethod(opstack_factory)
    SUPPORTED = frozenset({(L1, OP_FP), (OP_FP, L1), (L1, OP_LEGACY), (OP_LEGACY, L1)})


class _OpWithdrawal(_OpStack):
    TARGET = L1
    DIRECTION = Direction.L2_TO_L1
    # the proposer may post the covering output / game before the first status call
    FIRST_STATES = frozenset({Status.WAITING_TO_PROVE, Status.READY_TO_PROVE})
    WAITS = True
    STEPS = frozenset({2})  # prove, finalize


class TestOpStackL1To901(_OpStack):
    SOURCE, TARGET = L1, OP_FP
    DIRECTION = Direction.L1_TO_L2
    FIRST_STATES = _DEPOSIT_FIRST


class TestOpStack901ToL1(_OpWithdrawal):
    SOURCE = OP_FP


class TestOpStack902ToL1(_OpWithdrawal):
    SOURCE = OP_LEGACY


class _Arbitrum(AdapterConformance):
    adapter_factory = staticmethod(arbitrum_factory)
    SUPPORTED = frozenset({(L1, ARB), (ARB, L1)})


class TestArbitrumL1To903(_Arbitrum):
    SOURCE, TARGET = L1, ARB
    DIRECTION = Direction.L1_TO_L2
    FIRST_STATES = _DEPOSIT_FIRST


class TestArbitrum903ToL1(_Arbitrum):
    SOURCE, TARGET = ARB, L1
    DIRECTION = Direction.L2_TO_L1
    FIRST_STATES = frozenset({Status.WAITING_TO_FINALIZE})
    WAITS = True
    STEPS = frozenset({1})  # Outbox.executeTransaction


def _superchain() -> BridgeAdapter:
    # a short grace: the devnet relayer has either relayed within it or we relay ourselves
    return SuperchainAdapter(relay_grace=0.5)


class TestSuperchain901To902(AdapterConformance):
    adapter_factory = staticmethod(_superchain)
    SUPPORTED = frozenset({(OP_FP, OP_LEGACY), (OP_LEGACY, OP_FP)})
    SOURCE, TARGET = OP_FP, OP_LEGACY
    DIRECTION = Direction.L2_TO_L2
    # relayed by the devnet relayer at once, or waiting for it
    FIRST_STATES = frozenset({Status.PENDING, Status.READY_TO_FINALIZE, Status.FINALIZED})
    STEPS = frozenset({0, 1})  # the devnet relayer, or our own relay if it is slower
    REBUILD_MAY_DIFFER = frozenset({"target_block"})
