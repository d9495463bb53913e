"""The OP Stack and Superchain ref codecs: what an older release wrote still decodes.

A 7-day withdrawal may be resumed by a newer package; the journal holds the ref data the old
release wrote. The version-1 shapes below are exactly what the release before the versioned
codec wrote (see `interop/adapters/opstack/ref.py` and `superchain/ref.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from interop.adapters.base import Direction, FlowKind, FlowRef
from interop.adapters.opstack.adapter import OpStackAdapter
from interop.adapters.opstack.ref import OpRefData
from interop.adapters.superchain.adapter import SuperchainAdapter
from interop.adapters.superchain.ref import SuperchainRefData
from interop.errors import InputError
from interop.spec.superchain.formulas import SentMessage
from interop.types import to_address, to_hash32

H = to_hash32("0x" + "11" * 32)
BOB = to_address("0x" + "b0" * 20)

V1_WITHDRAWAL = {
    "withdrawal": {
        "nonce": str((1 << 240) | 5),
        "sender": "0x4242424242424242424242424242424242424242",
        "target": BOB,
        "value": "1000",
        "gas_limit": "100000",
        "data": "0x",
        "withdrawal_hash": "0x" + "22" * 32,
    },
    "l2_block": 1234,
}
V1_DEPOSIT = {"l2_hashes": ["0x" + "33" * 32], "path": "portal"}


def _ref(adapter: str, data: Mapping[str, object], version: int, d: Direction) -> FlowRef:
    return FlowRef(adapter, d, FlowKind.ETH, 901, 900, H, data, version=version)


def test_opstack_v1_refs_decode_and_upgrade() -> None:
    ad = OpStackAdapter()
    up = ad.decode_ref(_ref("opstack", V1_WITHDRAWAL, 1, Direction.L2_TO_L1))
    assert up.version == ad.ref_version == 2
    assert up.data["recipient"] == BOB and up.data["value"] == "1000"  # from the withdrawal
    assert up.data["withdrawal"] == V1_WITHDRAWAL["withdrawal"] and up.data["l2_block"] == 1234
    # JSON without a version field is version 1
    text = _ref("opstack", V1_DEPOSIT, 1, Direction.L1_TO_L2).to_json()
    old = FlowRef.from_json(text.replace(', "version": 1', ""))
    assert old.version == 1
    dep = ad.decode_ref(old)
    assert dep.data == V1_DEPOSIT and dep.version == 2  # no recipient can be known offline
    assert OpRefData.decode(dep.data, 2) == OpRefData.decode(V1_DEPOSIT, 1)
    current = ad.decode_ref(up)
    assert current is up


@pytest.mark.parametrize(
    ("data", "version"),
    [
        (V1_DEPOSIT, 3),
        (V1_DEPOSIT, 0),
        ({"l2_block": 5}, 1),
        ({"withdrawal": {"nonce": "x"}, "l2_block": 1}, 2),
        ({"withdrawal": V1_WITHDRAWAL["withdrawal"]}, 1),
    ],
)
def test_opstack_bad_ref_data_is_an_input_error(data: dict[str, object], version: int) -> None:
    with pytest.raises(InputError):
        OpStackAdapter().decode_ref(_ref("opstack", data, version, Direction.L2_TO_L1))


def test_superchain_v1_ref_gets_its_recipient_from_the_payload() -> None:
    msg = SentMessage(902, 901, 3, BOB, to_address("0x" + "c0" * 20), b"")
    v1 = {
        "message_hash": msg.hash,
        "payload": "0x" + msg.payload.hex(),
        "identifier": {
            "origin": "0x4200000000000000000000000000000000000023",
            "block_number": 10,
            "log_index": 0,
            "timestamp": 1700000000,
            "chain_id": 901,
        },
        "value": "5",
        "target_block": 7,
    }
    ad = SuperchainAdapter()
    up = ad.decode_ref(_ref("superchain", v1, 1, Direction.L2_TO_L2))
    assert up.version == 2 and up.data["recipient"] == msg.target
    assert SuperchainRefData.decode(up.data, 2).message == msg
    with pytest.raises(InputError):
        ad.decode_ref(_ref("superchain", {**v1, "payload": "0x1234"}, 1, Direction.L2_TO_L2))
    with pytest.raises(InputError):
        ad.decode_ref(_ref("superchain", v1, 3, Direction.L2_TO_L2))
    with pytest.raises(InputError):
        ad.decode_ref(_ref("opstack", v1, 1, Direction.L2_TO_L2))
