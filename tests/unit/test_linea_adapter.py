"""The Linea adapter without a network: routes from chain data, the ref codec, Linea's own gas
estimation (`linea_estimateGas`) and its fallback, the family."""

from __future__ import annotations

from typing import Any

import pytest

from interop.adapters.base import (
    AdapterContext,
    BridgeAdapter,
    BridgeRequest,
    Direction,
    FlowKind,
    FlowRef,
)
from interop.adapters.linea import adapter_factory
from interop.adapters.linea.refdata import REF_VERSION
from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1
from interop.chains.data.linea import LINEA
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.errors import InputError, RpcResponseError, UnsupportedOperationError
from interop.families import ChainFamily, FamilyRegistry
from interop.families.linea import family
from interop.rpc.mock import MockTransport
from interop.spec.linea.formulas import message_hash

ROLLUP = "0xd19d4B5d358258f05D7B411E21A1460D11B0876F"
L2MS = "0x508Ca82Df566dCD1B0DE8296e70a96332cD644ec"
ALICE = "0x00000000000000000000000000000000000A11cE"
BOB = "0x0000000000000000000000000000000000000B0b"
DEV_LINEA = LINEA.replace(
    id=904,
    name="dev-linea",
    parent_id=900,
    aliases=(),
    short_name="dl",
    contracts={"l2_message_service": L2MS},
    parent_contracts={900: {ContractName.LINEA_MESSAGE_SERVICE: ROLLUP}},
)


def ref(version: int = REF_VERSION, **over: Any) -> FlowRef:
    h = message_hash(ALICE, BOB, 0, 7, 3, b"\x01")
    data: dict[str, Any] = {
        "message_hash": "0x" + h.hex(),
        "sender": ALICE,
        "to": BOB,
        "fee": "0",
        "value": "7",
        "nonce": "3",
        "calldata": "0x01",
        "block": 12,
        "l1_from": 5,
    }
    data.update(over)
    return FlowRef(
        "linea",
        Direction.L2_TO_L1,
        FlowKind.MESSAGE,
        904,
        900,
        "0x" + "ab" * 32,
        data,
        version=version,
    )


def test_protocol_and_routes_from_chain_data() -> None:
    a = adapter_factory()
    assert isinstance(a, BridgeAdapter)
    assert a.supports(DEVNET_L1, DEV_LINEA) and a.supports(DEV_LINEA, DEVNET_L1)
    assert not a.supports(DEVNET_L1, DEVNET_ARB) and not a.supports(DEV_LINEA, DEV_LINEA)
    assert a.supports(LINEA.replace(parent_id=1), LINEA) is False  # not its parent
    assert {"fee", "sender"} <= a.option_names


def test_ref_codec() -> None:
    a = adapter_factory()
    r = ref()
    assert a.decode_ref(r) == r
    assert a.decode_ref(FlowRef.from_json(r.to_json())) == r
    with pytest.raises(InputError, match="version 2"):
        a.decode_ref(ref(version=2))
    with pytest.raises(InputError, match="malformed"):
        a.decode_ref(ref(nonce="x"))
    with pytest.raises(InputError, match="malformed"):
        a.decode_ref(ref(value="8"))  # fields no longer hash to the recorded message hash
    bad = dict(ref().data)
    del bad["calldata"]
    with pytest.raises(InputError):
        a.decode_ref(
            FlowRef("linea", Direction.L2_TO_L1, FlowKind.MESSAGE, 904, 900, "0x" + "ab" * 32, bad)
        )


def _ctx(l2_handler: Any) -> AdapterContext:
    l2 = ChainClient(DEV_LINEA, MockTransport(l2_handler, chain_id=904))
    l1 = ChainClient(DEVNET_L1, MockTransport({}, chain_id=900))
    return AdapterContext(l2, l1)


async def test_estimate_uses_linea_estimate_gas_when_offered() -> None:
    def node(method: str, params: list[Any]) -> Any:
        if method == "eth_call":  # minimumFeeInWei()
            return "0x" + (10**12).to_bytes(32, "big").hex()
        if method == "linea_estimateGas":
            return {"gasLimit": hex(51_234), "baseFeePerGas": "0x7", "priorityFeePerGas": "0x3e8"}
        raise AssertionError(f"unexpected {method}")

    ctx = _ctx(node)
    req = BridgeRequest(FlowKind.ETH, 10**15, BOB, options={"sender": ALICE})
    est = await adapter_factory().estimate(ctx, req)
    assert (est.initiate_gas, est.max_fee_per_gas, est.extra_value) == (51_234, 1014, 10**12)
    calls = ctx.source.transport.calls  # type: ignore[attr-defined]
    sent = next(p for m, p in calls if m == "linea_estimateGas")[0]
    assert sent["to"].lower() == L2MS.lower() and int(sent["value"], 16) == 10**15 + 10**12


async def test_estimate_falls_back_where_the_node_has_no_linea_estimate_gas() -> None:
    def node(method: str, params: list[Any]) -> Any:
        if method == "eth_call":
            return "0x" + (0).to_bytes(32, "big").hex()
        if method == "linea_estimateGas":
            raise RpcResponseError("Method not found", code=-32601)
        if method == "eth_estimateGas":
            return hex(60_000)
        if method == "eth_getBlockByNumber":
            return {"number": "0x10", "baseFeePerGas": hex(10), "timestamp": "0x1"}
        if method == "eth_maxPriorityFeePerGas":
            return hex(2)
        if method == "eth_feeHistory":
            return {"baseFeePerGas": [hex(10)] * 2, "reward": [[hex(2)]], "oldestBlock": "0x10"}
        if method == "eth_gasPrice":
            return hex(12)
        raise AssertionError(f"unexpected {method}")

    ctx = _ctx(node)
    est = await adapter_factory().estimate(
        ctx, BridgeRequest(FlowKind.ETH, 1, BOB, options={"sender": ALICE})
    )
    assert est.initiate_gas == 60_000 and est.max_fee_per_gas > 0


async def test_a_route_without_message_service_addresses_is_refused() -> None:
    bare = DEV_LINEA.replace(contracts={}, parent_contracts={})
    ctx = AdapterContext(
        ChainClient(DEVNET_L1, MockTransport({}, chain_id=900)),
        ChainClient(bare, MockTransport({}, chain_id=904)),
    )
    with pytest.raises(UnsupportedOperationError, match="names no message service"):
        await adapter_factory().plan(ctx, Direction.L1_TO_L2, FlowKind.ETH)


def test_family() -> None:
    f = family()
    assert isinstance(f, ChainFamily) and f.charges_l1_data_fee is False
    assert f.genesis_escrow(DEV_LINEA) == ContractName.LINEA_MESSAGE_SERVICE
    assert FamilyRegistry({"linea": family}).of(DEV_LINEA) is not None
