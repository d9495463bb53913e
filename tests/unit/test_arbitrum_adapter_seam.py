"""The Arbitrum adapter's seam without a network: its ref codec (version 1 as release 0.1.0
wrote it, version 2 today), and which RPC failures its pre-send and planning reads let through.

Faults are injected at the transport seam (`MockTransport`): a node's JSON-RPC error is an
answer (a view the contract lacks); any other `RpcError` is a transport fault that must reach
the caller, never be read as "no code", "no period" or "no estimate".
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.adapters.arbitrum import adapter_factory
from interop.adapters.arbitrum.adapter import confirm_period_seconds
from interop.adapters.arbitrum.common import ArbContracts
from interop.adapters.arbitrum.refdata import (
    REF_VERSION,
    DepositData,
    WithdrawalData,
    decode_data,
)
from interop.adapters.arbitrum.retryable import estimate_retryable_gas
from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeRequest,
    Direction,
    FlowKind,
    FlowRef,
)
from interop.chains.registry import get_chain
from interop.client import ChainClient
from interop.errors import (
    ExecutionRevertedError,
    InputError,
    RpcResponseError,
    RpcUnreachableError,
)
from interop.rpc.mock import MockTransport
from interop.types import to_address

# A version-1 ref of each direction, byte for byte as release 0.1.0 wrote them (FlowRef.to_json
# had no "version" then).
V1_DEPOSIT = (
    '{"adapter": "arbitrum", "data": {"child_tx_hash": "0x'
    + "ab" * 32
    + '", "message_kind": 9, "message_number": 1234}, "direction": "l1-to-l2", "kind": '
    '"message", "source_chain": 1, "target_chain": 42161, "tx_hash": "0x' + "cd" * 32 + '"}'
)
V1_WITHDRAWAL = json.dumps(
    {
        "adapter": "arbitrum",
        "data": {
            "send": {
                "arb_block_num": 250000000,
                "caller": "0x000000000000000000000000000000000000bEEF",
                "callvalue": "123456789012345678901",
                "data": "0x",
                "destination": "0x000000000000000000000000000000000000dEaD",
                "eth_block_num": 20000000,
                "hash": "0x" + "12" * 32,
                "position": 150000,
                "timestamp": 1700000000,
            }
        },
        "direction": "l2-to-l1",
        "kind": "eth",
        "source_chain": 42161,
        "target_chain": 1,
        "tx_hash": "0x" + "34" * 32,
    },
    sort_keys=True,
)


def test_version_1_refs_decode_and_upgrade() -> None:
    a = adapter_factory()
    assert a.ref_version == REF_VERSION == 2
    dep = FlowRef.from_json(V1_DEPOSIT)
    assert dep.version == 1
    d = decode_data(dep.data, dep.version, dep.direction)
    assert isinstance(d, DepositData) and d.is_retryable
    assert (d.message_number, d.recipient, d.value) == (1234, None, None)
    up = a.decode_ref(dep)
    assert up.version == 2 and dict(up.data) == dict(dep.data)  # nothing to add without I/O
    assert a.decode_ref(up) is up
    # the upgraded ref survives the journal's JSON round trip unchanged
    assert FlowRef.from_json(up.to_json()) == up

    wd = FlowRef.from_json(V1_WITHDRAWAL)
    w = decode_data(wd.data, wd.version, wd.direction)
    assert isinstance(w, WithdrawalData) and w.value == 123456789012345678901
    wup = a.decode_ref(wd)
    assert wup.data["recipient"] == "0x000000000000000000000000000000000000dEaD"
    assert wup.data["value"] == "123456789012345678901"  # a string: exact in any JSON reader
    assert wup.data["send"] == wd.data["send"]


def test_refs_from_newer_releases_or_of_unknown_shape_are_input_errors() -> None:
    a = adapter_factory()
    newer = json.loads(V1_DEPOSIT) | {"version": 3}
    with pytest.raises(InputError, match=r"version 3 .*1 to 2") as ei:
        a.decode_ref(FlowRef.from_json(json.dumps(newer)))
    assert "upgrade" in (ei.value.hint or "")
    bad: list[dict[str, Any]] = [
        {},
        {"message_kind": 9, "message_number": 1},
        {"message_kind": 3, "message_number": 1, "child_tx_hash": "0x" + "ab" * 32},
        {"message_kind": 9, "message_number": -1, "child_tx_hash": "0x" + "ab" * 32},
        {"message_kind": 9, "message_number": 1, "child_tx_hash": "0x12"},
        {"message_kind": True, "message_number": 1, "child_tx_hash": "0x" + "ab" * 32},
    ]
    for data in bad:
        d = json.loads(V1_DEPOSIT) | {"data": data}
        with pytest.raises(InputError, match="not an arbitrum flow reference"):
            a.decode_ref(FlowRef.from_json(json.dumps(d)))
    w = json.loads(V1_WITHDRAWAL)
    w["data"]["send"]["data"] = "zz"
    with pytest.raises(InputError, match="not an arbitrum flow reference"):
        a.decode_ref(FlowRef.from_json(json.dumps(w)))


def _sel(sig: str) -> bytes:
    return keccak(sig.encode())[:4]


def _client(name: str, handler: Any) -> ChainClient:
    return ChainClient(get_chain(name), MockTransport(handler), owns_transport=False)


def _l1_views(views: dict[bytes, Any]) -> ChainClient:
    """Ethereum whose `eth_call` answers `views` by selector: bytes = the answer, an exception
    = raised as is; any other selector reverts (a view the contract does not have)."""

    def handler(method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return "0x1"
        assert method == "eth_call", method
        got = views.get(bytes.fromhex(params[0]["data"][2:10]))
        if got is None:
            raise ExecutionRevertedError("execution reverted", code=3)
        if isinstance(got, Exception):
            raise got
        return "0x" + got.hex()

    return _client("ethereum", handler)


ONE = ArbContracts.of(get_chain("arbitrum"), 1)


async def test_confirm_period_reads_blocks_and_lets_transport_faults_through() -> None:
    blocks = (45818).to_bytes(32, "big")
    # a real rollup: confirmPeriodBlocks times the parent's block time
    assert await confirm_period_seconds(
        _l1_views({_sel("confirmPeriodBlocks()"): blocks}), ONE
    ) == (45818 * 12)
    # a transport fault is not "no such view" (the old routes code took any error for one)
    faulty = _l1_views({_sel("confirmPeriodBlocks()"): RpcUnreachableError("connection reset")})
    with pytest.raises(RpcUnreachableError):
        await confirm_period_seconds(faulty, ONE)
    # plan() is advice: it names the failed read instead of raising
    arb = _client("arbitrum", {"eth_chainId": hex(42161)})
    steps = await adapter_factory().plan(
        AdapterContext(arb, faulty), Direction.L2_TO_L1, FlowKind.ETH
    )
    assert [(s.action, s.actor) for s in steps] == [
        ("initiate", Actor.CALLER),
        ("confirm", Actor.NOBODY),
        ("execute", Actor.CALLER),
    ]
    assert steps[1].wait_seconds is None and "connection reset" in steps[1].note


async def test_refusal_reads_let_transport_faults_through() -> None:
    """A recipient check that could not be made is not a pass."""

    def down(method: str, params: list[Any]) -> Any:
        raise RpcUnreachableError("no URL answered")

    l1, arb = _client("ethereum", down), _client("arbitrum", down)
    me = "0x000000000000000000000000000000000000bEEF"
    req = BridgeRequest(FlowKind.ETH, 1, to_address(me), options={"sender": me})
    with pytest.raises(RpcUnreachableError):
        await adapter_factory().refusals(AdapterContext(l1, arb), req)


async def test_retryable_gas_estimate_falls_back_only_on_a_node_answer() -> None:
    """NodeInterface's estimate refused by the node (not a Nitro node): fall back to
    eth_estimateGas of the call. The same estimate lost in transport: raise, do not guess."""
    me = "0x000000000000000000000000000000000000bEEF"
    seen: list[str] = []

    def not_nitro(method: str, params: list[Any]) -> Any:
        seen.append(method)
        if params and params[0].get("to", "").lower() == "0x" + "00" * 19 + "c8":
            raise RpcResponseError("method handler crashed", code=-32000)
        return hex(50_000)

    gas = await estimate_retryable_gas(
        _client("arbitrum", not_nitro),
        me,
        me,
        0,
        b"",
        excess_fee_refund_address=me,
        call_value_refund_address=me,
    )
    assert gas == 50_000 and seen == ["eth_estimateGas", "eth_estimateGas"]

    def lost(method: str, params: list[Any]) -> Any:
        raise RpcUnreachableError("connection reset")

    with pytest.raises(RpcUnreachableError):
        await estimate_retryable_gas(
            _client("arbitrum", lost),
            me,
            me,
            0,
            b"",
            excess_fee_refund_address=me,
            call_value_refund_address=me,
        )
