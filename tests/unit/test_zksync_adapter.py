"""The ZKsync adapter without a network: routes from chain data, the plan, the ref codec."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from interop.adapters.base import (
    Actor,
    AdapterContext,
    BridgeAdapter,
    Direction,
    FlowKind,
    FlowRef,
)
from interop.adapters.zksync import adapter_factory
from interop.adapters.zksync.adapter import _iso_seconds
from interop.chains.data.zksync import ZKSYNC_ERA, ZKSYNC_SEPOLIA
from interop.chains.registry import get_chain
from interop.client import ChainClient
from interop.errors import InputError, UnsupportedOperationError
from interop.families.zksync import family
from interop.types import to_hash32

DEP = {
    "l2_hash": "0x" + "ab" * 32,
    "txid": "7",
    "sender": "0x" + "11" * 20,
    "to": "0x" + "22" * 20,
    "l2_value": "5",
    "mint": "100",
    "refund_recipient": "0x" + "11" * 20,
    "calldata": "0x",
}


def _ref(
    data: Mapping[str, object], version: int = 1, d: Direction = Direction.L1_TO_L2
) -> FlowRef:
    return FlowRef(
        "zksync", d, FlowKind.ETH, 1, 324, to_hash32("0x" + "cd" * 32), data, version=version
    )


def test_protocol_and_routes_from_chain_data() -> None:
    a = adapter_factory()
    assert isinstance(a, BridgeAdapter)
    l1 = get_chain(1)
    assert a.supports(l1, ZKSYNC_ERA) and a.supports(ZKSYNC_ERA, l1)
    assert not a.supports(get_chain(11155111), ZKSYNC_ERA)
    assert a.supports(get_chain(11155111), ZKSYNC_SEPOLIA)
    assert not a.supports(l1, l1)
    assert family().genesis_escrow(ZKSYNC_ERA) == "l1_nullifier"
    assert family().charges_l1_data_fee is False


async def test_plan_reads_nothing_and_names_the_actors() -> None:
    a = adapter_factory()
    async with ChainClient(get_chain(1)) as l1, ChainClient(ZKSYNC_ERA) as l2:
        dep = await a.plan(AdapterContext(l1, l2), Direction.L1_TO_L2, FlowKind.ETH)
        assert [(s.action, s.actor) for s in dep] == [
            ("initiate", Actor.CALLER),
            ("execute", Actor.RELAYER),
        ]
        wd = await a.plan(AdapterContext(l2, l1), Direction.L2_TO_L1, FlowKind.ETH)
        assert [s.action for s in wd] == ["initiate", "commit", "prove", "execute", "finalize"]
        assert wd[-1].actor is Actor.CALLER and wd[3].wait_seconds == 3 * 3600
        msg = await a.plan(AdapterContext(l2, l1), Direction.L2_TO_L1, FlowKind.MESSAGE)
        assert [s.actor for s in msg].count(Actor.CALLER) == 1  # initiate only
        with pytest.raises(UnsupportedOperationError):
            await a.plan(AdapterContext(l1, l2), Direction.L2_TO_L1, FlowKind.ETH)


def test_ref_codec() -> None:
    a = adapter_factory()
    ref = _ref(DEP)
    assert a.decode_ref(ref) == ref
    assert a.decode_ref(FlowRef.from_json(ref.to_json())) == ref
    with pytest.raises(InputError, match="version 2"):
        a.decode_ref(_ref(DEP, version=2))
    with pytest.raises(InputError, match="lacks"):
        a.decode_ref(_ref({k: v for k, v in DEP.items() if k != "mint"}))
    with pytest.raises(InputError, match="malformed"):
        a.decode_ref(_ref({**DEP, "l2_hash": "0x12"}))
    wd = {"l2_sender": "0x" + "00" * 18 + "800a", "message": "0x", "log_index": 0}
    assert a.decode_ref(_ref(wd, d=Direction.L2_TO_L1)).data["log_index"] == 0
    with pytest.raises(InputError):
        a.decode_ref(_ref({**wd, "log_index": "x"}, d=Direction.L2_TO_L1))


def test_iso_times_of_batch_details() -> None:
    assert _iso_seconds("1970-01-01T00:01:40Z") == 100
    assert _iso_seconds("2023-10-26T11:14:38.617591Z") == 1698318878
    assert _iso_seconds(None) is None and _iso_seconds("soon") is None
