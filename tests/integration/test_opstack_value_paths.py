"""No broad catches on value paths (issue 9): a transport fault is not an answer.

The L1 data fee of an OP Stack transaction and the L2 gas limit of a deposit decide how much a
user pays and whether a funds check passes. Each may legitimately fall back when the node
*answers* that a contract or function is not there (a revert, an RPC error answer); a timeout or
an unreachable node answers nothing, and a fee of 0 or a gas limit of 100k chosen on a guess
would let a funds check pass on an underestimate. The faults are injected at the transport seam
(a real devnet node behind a transport that fails chosen calls), never in the code under test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from interop.adapters.base import AdapterContext, BridgeRequest, FlowKind
from interop.adapters.opstack.deposit import build_deposit
from interop.adapters.opstack.fees import estimate_l2_fee
from interop.adapters.superchain import adapter_factory as superchain_adapter
from interop.client import ChainClient
from interop.devnet.anvil import DEV_ACCOUNTS
from interop.devnet.core import Devnet
from interop.errors import ExecutionRevertedError, RpcTimeoutError
from interop.rpc.base import Call, Transport
from interop.spec.opstack.predeploys import GAS_PRICE_ORACLE
from interop.types import to_address

pytestmark = pytest.mark.integration

L1, OP = 900, 901
SENDER = to_address(DEV_ACCOUNTS[0][0])

Rule = Callable[[str, Sequence[Any]], Exception | None]


class FaultyTransport:
    """Forwards to the devnet's transport, except the calls `rule` answers with an exception
    (raised as the HTTP transport raises it: a timeout, or the node's error answer)."""

    def __init__(self, inner: Transport, rule: Rule) -> None:
        self.inner, self.rule, self.hits = inner, rule, 0

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        exc = self.rule(method, params)
        if exc is not None:
            self.hits += 1
            raise exc
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return [await self.request(m, p) for m, p in calls]

    async def aclose(self) -> None:
        pass


def _to_oracle(method: str, params: Sequence[Any]) -> bool:
    return method == "eth_call" and str(params[0].get("to", "")).lower() == (
        GAS_PRICE_ORACLE.lower()
    )


def _timeout_oracle(method: str, params: Sequence[Any]) -> Exception | None:
    return RpcTimeoutError("read timed out") if _to_oracle(method, params) else None


def _revert_oracle(method: str, params: Sequence[Any]) -> Exception | None:
    return ExecutionRevertedError("execution reverted") if _to_oracle(method, params) else None


def _client(devnet: Devnet, cid: int, rule: Rule | None = None) -> tuple[ChainClient, Any]:
    t: Any = devnet.transport(cid)
    if rule is not None:
        t = FaultyTransport(t, rule)
    return ChainClient(devnet.chain(cid), t, owns_transport=False), t


async def test_l1_fee_timeout_is_not_a_fee_of_zero(devnet: Devnet) -> None:
    l2, t = _client(devnet, OP, _timeout_oracle)
    with pytest.raises(RpcTimeoutError):
        await estimate_l2_fee(l2, sender=SENDER, to=SENDER, value=1, data=b"\x01" * 64)
    assert t.hits == 1


async def test_l1_fee_falls_back_only_on_an_answer(devnet: Devnet) -> None:
    # The node answering "reverted" is an answer: no oracle here, so the fee is unavailable.
    l2, t = _client(devnet, OP, _revert_oracle)
    fee = await estimate_l2_fee(l2, sender=SENDER, to=SENDER, value=1, data=b"\x01" * 64)
    assert (fee.l1_fee, fee.l1_fee_source, t.hits) == (0, "unavailable", 2)
    # and with the real oracle answering, a real (non-zero) fee
    real, _ = _client(devnet, OP)
    fee = await estimate_l2_fee(real, sender=SENDER, to=SENDER, value=1, data=b"\x01" * 64)
    assert fee.l1_fee > 0 and fee.l1_fee_source == "getL1Fee"


async def test_superchain_l1_fee_timeout_surfaces(devnet: Devnet) -> None:
    src, _ = _client(devnet, OP, _timeout_oracle)
    dst, _ = _client(devnet, 902)
    ad = superchain_adapter()
    req = BridgeRequest(FlowKind.ETH, 1, to_address(os.urandom(20)), options={"sender": SENDER})
    with pytest.raises(RpcTimeoutError):
        await ad.estimate(AdapterContext(src, dst), req)


def _l2_estimate(exc: Exception) -> Rule:
    def rule(method: str, params: Sequence[Any]) -> Exception | None:
        return exc if method == "eth_estimateGas" else None

    return rule


async def test_deposit_gas_timeout_is_not_100k(devnet: Devnet) -> None:
    l1, _ = _client(devnet, L1)
    l2, t = _client(devnet, OP, _l2_estimate(RpcTimeoutError("read timed out")))
    with pytest.raises(RpcTimeoutError):
        await build_deposit(l1, l2, sender=SENDER, value=1, to=to_address(os.urandom(20)))
    assert t.hits == 1


async def test_deposit_gas_default_only_when_l2_answers_revert(devnet: Devnet) -> None:
    l1, _ = _client(devnet, L1)
    l2, _ = _client(devnet, OP, _l2_estimate(ExecutionRevertedError("execution reverted")))
    req = await build_deposit(l1, l2, sender=SENDER, value=1, to=to_address(os.urandom(20)))
    assert req.l2_gas_limit == 120_000  # the 100k default plus the 20% margin
