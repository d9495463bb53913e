"""OP Stack formulas against values published by the OP Stack and viem (not by our own code)."""

from __future__ import annotations

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.rpc.models import Log
from interop.spec.opstack.formulas import (
    FINALIZE_BRIDGE_ETH_SELECTOR,
    MESSAGE_PASSED_TOPIC,
    TRANSACTION_DEPOSITED_TOPIC,
    DepositEvent,
    WithdrawalMessage,
    cross_domain_message_hash,
    decode_message_passed,
    decode_nonce,
    decode_opaque_data,
    decode_relay_message,
    decode_transaction_deposited,
    deposit_recipient,
    deposit_source_hash,
    deposit_tx_hash,
    encode_relay_message,
    encode_versioned_nonce,
    output_root,
    withdrawal_hash,
    withdrawal_recipient,
    withdrawal_storage_slot,
)
from interop.spec.opstack.predeploys import L2_CROSS_DOMAIN_MESSENGER, L2_STANDARD_BRIDGE
from interop.types import Hash32, to_address, to_hash32


def _topic_addr(a: str) -> Hash32:
    return to_hash32(b"\x00" * 12 + bytes.fromhex(a[2:]))


def _topic_int(n: int) -> Hash32:
    return to_hash32(n.to_bytes(32, "big"))


def test_topics() -> None:
    # topic0 of OptimismPortal.TransactionDeposited(address,address,uint256,bytes) and
    # L2ToL1MessagePasser.MessagePassed(uint256,address,address,uint256,uint256,bytes,bytes32),
    # as they appear in real OP mainnet receipts (e.g. the viem getWithdrawals.test.ts tx below).
    assert TRANSACTION_DEPOSITED_TOPIC == (
        "0xb3813568d9991fc951961fcb4c784893574240a28925604d09fc577c55bb7c32"
    )
    assert MESSAGE_PASSED_TOPIC == (
        "0x02a52367d10742d8032712c1bb8e0144ff1ec5ffda1ed7d70bb05a2744955054"
    )


def test_source_hash_viem_vector() -> None:
    # wevm/viem src/op-stack/utils/getSourceHash.test.ts ('userDeposit')
    h = deposit_source_hash(
        "0x9ba3933dc6ce43c145349770a39c30f9b647f17668f004bd2e05c80a2e7262f7", 196
    )
    assert "0x" + h.hex() == "0xd0868c8764d81f1749edb7dec4a550966963540d9fe50aefce8cdb38ea7b2213"


def test_source_hash_bedrock_vector() -> None:
    # ethereum-optimism/optimism packages/contracts-bedrock test/libraries/Hashing.t.sol,
    # Hashing_hashDepositSource_Test.test_hashDepositSource_succeeds (older trees:
    # Hashing_Test.test_hashDepositSource).
    h = deposit_source_hash("0xd25df7858efc1778118fb133ac561b138845361626dfb976699c5287ed0f4959", 1)
    assert "0x" + h.hex() == "0xf923fb07134d7d287cb52c770cc619e17e82606c21a875c92f4c63b65280a5cc"


def _deposit_log(frm: str, to: str, opaque: bytes, block_hash: str, log_index: int) -> Log:
    return Log(
        address=to_address("0xbEb5Fc579115071764c7423A4f12eDde41f106Ed"),
        topics=(TRANSACTION_DEPOSITED_TOPIC, _topic_addr(frm), _topic_addr(to), _topic_int(0)),
        data=abi_encode(["bytes"], [opaque]),
        block_number=1,
        block_hash=to_hash32(block_hash),
        transaction_hash=to_hash32("0x" + "11" * 32),
        log_index=log_index,
    )


def test_l2_transaction_hash_viem_vector() -> None:
    # wevm/viem src/op-stack/utils/getL2TransactionHash.test.ts ('default'): an OP mainnet deposit.
    opaque = bytes.fromhex(
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000045"
        "000000000000520800"
    )
    log = _deposit_log(
        "0x1a1E021A302C237453D3D45c7B82B19cEEB7E2e6",
        "0x1a1E021A302C237453D3D45c7B82B19cEEB7E2e6",
        opaque,
        "0x634c52556471c589f42db9131467e0c9484f5c73049e32d1a74e2a4ce0f91d57",
        109,
    )
    ev = decode_transaction_deposited(log)
    assert (ev.mint, ev.value, ev.gas_limit, ev.is_creation, ev.data) == (0, 69, 21000, False, b"")
    assert deposit_tx_hash(log) == (
        "0x0a60b983815ed475c5919609025204a479654d93afc610feca7d99ae0befc329"
    )


def test_opaque_data_viem_vectors() -> None:
    # wevm/viem src/op-stack/utils/opaqueDataToDepositData.test.ts: encodePacked(uint, uint,
    # uint64, bool, bytes) round-trips.
    cases = [
        (420, 69, 21100, True, b"\xde\xad\xbe\xef"),
        (0, 69, 21100, True, b"\xde\xad\xbe\xef"),
        (0, 0, 0, False, b""),
    ]
    for mint, value, gas, creation, data in cases:
        packed = (
            mint.to_bytes(32, "big")
            + value.to_bytes(32, "big")
            + gas.to_bytes(8, "big")
            + bytes([creation])
            + data
        )
        assert decode_opaque_data(packed) == (mint, value, gas, creation, data)


def test_withdrawal_storage_slot_viem_vector() -> None:
    # wevm/viem src/op-stack/utils/getWithdrawalHashStorageSlot.test.ts
    slot = withdrawal_storage_slot(
        "0xB1C3824DEF40047847145E069BF467AA67E906611B9F5EF31515338DB0AABFA2"
    )
    assert "0x" + slot.hex() == "0x4a932049252365b3eedbc5190e18949f2ec11f39d3bef2d259764799a1b27d99"


# OP mainnet tx 0x7b5cedcc...3147: a bridge withdrawal, as decoded in
# wevm/viem src/op-stack/utils/getWithdrawals.test.ts (and buildProveWithdrawal.test.ts).
_RELAY_DATA = bytes.fromhex(
    "d764ad0b0001000000000000000000000000000000000000000000000000000000002d49"
    "0000000000000000000000004200000000000000000000000000000000000010"
    "00000000000000000000000099c9fc46f92e8a1c0dec1b1747d010903e884be1"
    "000000000000000000000000000000000000000000000000002e2f6e5e148000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000c0"
    "00000000000000000000000000000000000000000000000000000000000000a4"
    "1635f5fd000000000000000000000000bcce5f55dfda11600e48e91598ad0f8645466142"
    "000000000000000000000000bcce5f55dfda11600e48e91598ad0f8645466142"
    "000000000000000000000000000000000000000000000000002e2f6e5e148000"
    "0000000000000000000000000000000000000000000000000000000000000080"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000"
)
_NONCE = 1766847064778384329583297500742918515827483896875618958121606201292631369


def test_withdrawal_hash_viem_vector_bridge() -> None:
    # wevm/viem src/op-stack/utils/getWithdrawals.test.ts ('default'): the MessagePassed of OP
    # mainnet tx 0x7b5cedccfaf9abe6ce3d07982f57bcb9176313b019ff0fc602a0b70342fe3147.
    h = withdrawal_hash(
        _NONCE,
        "0x4200000000000000000000000000000000000007",
        "0x25ace71c97B33Cc4729CF772ae268934F7ab5fA1",
        13000000000000000,
        287624,
        _RELAY_DATA,
    )
    assert h == "0x178f1e0216fb50bef160eb8af7d1d98000026a84371cef4a13d8d79996cc8589"
    assert decode_nonce(_NONCE) == (_NONCE & ((1 << 240) - 1), 1)
    assert encode_versioned_nonce(*decode_nonce(_NONCE)) == _NONCE


def test_withdrawal_hash_viem_vector_direct() -> None:
    # wevm/viem src/op-stack/actions/buildProveWithdrawal.test.ts ('default', OP tx 0x3107...6a85)
    h = withdrawal_hash(
        1766847064778384329583297500742918515827483896875618958121606201292636411,
        "0x00B700B9da0053009cb84400Ed1e8Fe251002aF3",
        "0x9175746E1fb611843CEC72ae4d6fa13c6184C9d0",
        0,
        200000,
        bytes.fromhex(
            "095ea7b300000000000000000000000000b700b9da0053009cb84400ed1e8fe251002af3"
            "0000000000ffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        ),
    )
    assert h == "0xabb9f726072587989b9083f58e3dee0c825ba85c63d347f8f5a317e9b15f1044"


def test_relay_message_encoding_matches_mainnet_calldata() -> None:
    # The same mainnet withdrawal's data is the messenger's relayMessage calldata (version 1 nonce
    # 0x2d49, sender L2StandardBridge, target L1StandardBridge, value 0.013 ETH, minGas 0).
    n, s, t, v, g, m = decode_relay_message(_RELAY_DATA)
    assert (decode_nonce(n), s, t, v, g) == (
        (0x2D49, 1),
        "0x4200000000000000000000000000000000000010",
        "0x99C9fc46f92E8a1c0deC1b1747d010903E884bE1",
        13000000000000000,
        0,
    )
    assert m[:4] == bytes.fromhex("1635f5fd")  # finalizeBridgeETH
    assert encode_relay_message(n, s, t, v, g, m) == _RELAY_DATA
    assert cross_domain_message_hash(n, s, t, v, g, m) == to_hash32(keccak(_RELAY_DATA))


def test_decode_message_passed_roundtrip_with_hash() -> None:
    data = abi_encode(
        ["uint256", "uint256", "bytes", "bytes32"],
        [
            13000000000000000,
            287624,
            _RELAY_DATA,
            bytes.fromhex("178f1e0216fb50bef160eb8af7d1d98000026a84371cef4a13d8d79996cc8589"),
        ],
    )
    log = Log(
        address=to_address("0x4200000000000000000000000000000000000016"),
        topics=(
            MESSAGE_PASSED_TOPIC,
            _topic_int(_NONCE),
            _topic_addr("0x4200000000000000000000000000000000000007"),
            _topic_addr("0x25ace71c97B33Cc4729CF772ae268934F7ab5fA1"),
        ),
        data=data,
        block_number=1,
        block_hash=to_hash32("0x" + "22" * 32),
        transaction_hash=to_hash32("0x" + "33" * 32),
        log_index=0,
    )
    w = decode_message_passed(log)
    assert isinstance(w, WithdrawalMessage)
    assert w.computed_hash() == w.withdrawal_hash
    assert w.value == 13000000000000000 and w.gas_limit == 287624


def test_output_root_published_vectors() -> None:
    # optimism_outputAtBlock answers (op-node RPC) that publish the output root with its parts
    # (OP specs, proposals.md "L2 Output Commitment Construction", version 0):
    # OP Sepolia block 27982526, the ExampleResponse of `optimism_outputAtBlock` in
    # NethermindEth/nethermind src/Nethermind/Nethermind.Optimism/CL/Rpc/IOptimismOptimismRpcModule.cs.
    assert (
        output_root(
            "0xeef23eb186808bb06e74b915cd0cc028fad7fbff016b9d5f3fb75cd2098b4ff9",
            "0x086887b2594a26b67d79630404998a03636eb5be95b5422079fff0856cc436e8",
            "0x2b8e886f2ba10fbb12c56917bd7d645149e80a6b63ed3a22706ff77f4f68b31f",
        )
        == "0xd13f0fb77010a8d8d000694b290607e961a96679a5f95dd2729dbd8449d61f71"
    )
    # MegaETH mainnet (an OP Stack chain), block 22339144 (0x154de48): the captured
    # `optimism_outputAtBlock` answer in MegaETH's JSON-RPC method reference (examples section,
    # "Endpoint: mainnet", with version 0, stateRoot, withdrawalStorageRoot, blockRef.hash).
    assert (
        output_root(
            "0x686f5150a2aec8f1b5ae15108288530860fa4157a9f39c71e55b0fa24783d506",
            "0x891f4462376be7ecac17a67a0ee5be7bc0c35979c182e5f7f19ebb2b1e320cc3",
            "0xce5344be15fecbe70574c97e57626f79a0816e8ebfc37a53ad535e82dd2def56",
        )
        == "0xf90851c88ec4adfe04b03f33beab99bbabbd73fc474ab7b3a8fa109a3913f047"
    )


def test_withdrawal_recipient_unwraps_messenger_and_bridge() -> None:
    # The mainnet bridge withdrawal above: the transaction called L2StandardBridge, the message
    # passer records the L2 messenger -> L1 messenger, the person paid is finalizeBridgeETH's `to`
    # (here the sender itself, 0xBCCE...6142, withdrawing 0.013 ETH to its own L1 address).
    w = WithdrawalMessage(
        _NONCE,
        to_address("0x4200000000000000000000000000000000000007"),
        to_address("0x25ace71c97B33Cc4729CF772ae268934F7ab5fA1"),
        13000000000000000,
        287624,
        _RELAY_DATA,
        to_hash32(b"\x00" * 32),
    )
    assert withdrawal_recipient(w) == (
        to_address("0xBCCE5f55dfda11600e48E91598AD0F8645466142"),
        13000000000000000,
    )
    # a direct message-passer withdrawal pays its own target; a message names its target
    direct = WithdrawalMessage(1, ALICE_, BOB_, 5, 21000, b"", to_hash32(b"\x00" * 32))
    assert withdrawal_recipient(direct) == (BOB_, 5)
    msg = encode_relay_message(7, ALICE_, BOB_, 9, 0, b"\x12\x34")
    via_messenger = WithdrawalMessage(
        1, L2_CROSS_DOMAIN_MESSENGER, BOB_, 9, 0, msg, to_hash32(b"\x00" * 32)
    )
    assert withdrawal_recipient(via_messenger) == (BOB_, 9)
    # relayMessage-shaped data from anyone but the L2 messenger is not unwrapped
    spoof = WithdrawalMessage(1, ALICE_, CAROL_, 0, 0, msg, to_hash32(b"\x00" * 32))
    assert withdrawal_recipient(spoof) == (CAROL_, 0)


def test_deposit_recipient_unwraps_only_the_aliased_messenger() -> None:
    l1_messenger, l1_bridge = CAROL_, to_address("0x" + "bb" * 20)
    aliased = to_address(
        hex((int(l1_messenger, 16) + 0x1111000000000000000000000000000000001111) % 2**160)
    )
    fin = FINALIZE_BRIDGE_ETH_SELECTOR + abi_encode(
        ["address", "address", "uint256", "bytes"], [ALICE_, BOB_, 77, b""]
    )
    relay = encode_relay_message(3, l1_bridge, L2_STANDARD_BRIDGE, 77, 0, fin)

    def ev(frm: str, to: str, data: bytes, value: int) -> DepositEvent:
        return DepositEvent(
            to_address(frm),
            to_address(to),
            0,
            value,
            value,
            200_000,
            False,
            data,
            to_hash32(b"\x01" * 32),
            0,
        )

    kw = {"aliased_l1_messenger": aliased, "l1_bridge": l1_bridge}
    assert deposit_recipient(ev(aliased, L2_CROSS_DOMAIN_MESSENGER, relay, 77), **kw) == (BOB_, 77)
    plain_msg = encode_relay_message(3, ALICE_, CAROL_, 5, 0, b"\x01")
    assert deposit_recipient(ev(aliased, L2_CROSS_DOMAIN_MESSENGER, plain_msg, 5), **kw) == (
        CAROL_,
        5,
    )
    assert deposit_recipient(ev(ALICE_, BOB_, b"", 8), **kw) == (BOB_, 8)  # portal deposit
    # not from the aliased messenger: taken at face value
    assert deposit_recipient(ev(ALICE_, L2_CROSS_DOMAIN_MESSENGER, relay, 77), **kw) == (
        L2_CROSS_DOMAIN_MESSENGER,
        77,
    )


ALICE_ = to_address("0x" + "a1" * 20)
BOB_ = to_address("0x" + "b0" * 20)
CAROL_ = to_address("0x" + "c0" * 20)
