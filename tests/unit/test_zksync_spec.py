"""interop.spec.zksync against values published by Matter Labs.

Merkle vectors: matter-labs/zksync-era `core/lib/mini_merkle_tree/src/tests.rs`
(`single_item_tree_snapshot`, `full_tree_snapshot`, `partial_tree_snapshot`,
`pushing_new_leaves`), the same 88-byte leaves as L2->L1 logs. The empty leaf:
era-contracts `Config.sol` `L2_L1_LOGS_TREE_DEFAULT_LEAF_HASH`. The canonical priority-op hash:
a `NewPriorityRequest` event a real ZKsync node's Mailbox emitted, recorded in viem's test
fixture (wevm/viem `src/zksync/utils/bridge/getL2HashFromPriorityOp.test.ts`): its
transaction hashes to its txHash; also checked against the devnet's Solidity
(tests/integration/test_zksync_flows.py).
"""

from __future__ import annotations

import pytest
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from interop.errors import InputError
from interop.spec.zksync.abis import NEW_PRIORITY_REQUEST_TOPIC, NEW_PRIORITY_REQUEST_TYPES
from interop.spec.zksync.addresses import BOOTLOADER, L1_MESSENGER, L2_BASE_TOKEN
from interop.spec.zksync.logs import (
    EMPTY_LEAF,
    LOGS_TREE_LEAVES,
    L2Log,
    calculate_root,
    empty_subtree,
    encode_log_proof,
    full_logs_root,
    merkle_root_and_path,
    message_log,
    parse_log_proof,
    verify_log_proof,
)
from interop.spec.zksync.priority import (
    CANONICAL_TX_TYPES,
    ERA_FEE_PARAMS,
    FINALIZE_ETH_WITHDRAWAL_SELECTOR,
    CanonicalTx,
    base_cost,
    decode_eth_withdrawal_message,
    derive_l2_gas_price,
    eth_withdrawal_message,
)


def _h(s: str) -> bytes:
    return bytes.fromhex(s.removeprefix("0x"))


def _leaves(lo: int, hi: int) -> list[bytes]:
    return [keccak(bytes([b]) * 88) for b in range(lo, hi + 1)]


def test_addresses_and_empty_leaf() -> None:
    assert L2_BASE_TOKEN.lower() == "0x000000000000000000000000000000000000800a"
    assert L1_MESSENGER.lower() == "0x0000000000000000000000000000000000008008"
    assert BOOTLOADER.lower() == "0x0000000000000000000000000000000000008001"
    assert _h("72abee45b59e344af8a6e520241c4744aff26ed411f4c4b00f8af09adada43ba") == EMPTY_LEAF
    assert LOGS_TREE_LEAVES == 16384


def test_single_item_tree_snapshot() -> None:
    root, path = merkle_root_and_path([keccak(b"\x01" * 88)], 0, tree_size=32)
    assert root == _h("45e2793110bf02d81fc72bc11ed257c79251816f4187fa95f2e4d7cded1efad9")
    assert path == [
        _h(x)
        for x in (
            "72abee45b59e344af8a6e520241c4744aff26ed411f4c4b00f8af09adada43ba",
            "c3d03eebfd83049991ea3d3e358b6712e7aa2e2e63dc2d4b438987cec28ac8d0",
            "e3697c7f33c31a9b0f0aeb8542287d0d21e8c4cf82163d0c44c7a98aa11aa111",
            "199cc5812543ddceeddd0fc82807646a4899444240db2c0d2f20c3cceb5f51fa",
            "e4733f281f18ba3ea8775dd62d2fcd84011c8c938f16ea5790fd29a03bf8db89",
        )
    ]


def test_full_tree_snapshot() -> None:
    root, path = merkle_root_and_path(_leaves(1, 32), 2, tree_size=1)
    assert root == _h("29694afc5d76ad6ee48e9382b1cf724c503c5742aa905700e290845c56d1b488")
    assert path[0] == _h("14c175b8872f2d5fdc604a7815e3db795e1922e6ba3665a252e0039af266761b")
    assert path[-1] == _h("149d20e7d6506f8ce6379b42d4188789564e62127b60f3213d598fb5daeb8f71")


def test_partial_tree_snapshot() -> None:
    leaves = _leaves(1, 50)
    want = _h("2da23c4270b612710106f3e02e9db9fa42663751869f48d952fa7a0eaaa92475")
    root, path = merkle_root_and_path(leaves, 10, tree_size=1)
    assert root == want
    assert path[5] == _h("c12232b0d6558a3672bc22d484f29f5584683c002df73c9389e83ec929dfed3a")
    root, path = merkle_root_and_path(leaves, 49, tree_size=1)
    assert root == want
    assert path == [
        _h(x)
        for x in (
            "39f19437665159060317aab8b417352df18779f50b68a6bf6bc9c94dff8c98ca",
            "c3d03eebfd83049991ea3d3e358b6712e7aa2e2e63dc2d4b438987cec28ac8d0",
            "e3697c7f33c31a9b0f0aeb8542287d0d21e8c4cf82163d0c44c7a98aa11aa111",
            "199cc5812543ddceeddd0fc82807646a4899444240db2c0d2f20c3cceb5f51fa",
            "6edd774c0492cb4c825e4684330fd1c3259866606d47241ebf2a29af0190b5b1",
            "29694afc5d76ad6ee48e9382b1cf724c503c5742aa905700e290845c56d1b488",
        )
    ]
    for i in (0, 10, 49):
        root, path = merkle_root_and_path(leaves, i, tree_size=1)
        assert calculate_root(path, i, leaves[i]) == want


def test_pushing_new_leaves_roots() -> None:
    three = [keccak(b"\x01" * 88)] * 3
    assert merkle_root_and_path(three, tree_size=1)[0] == _h(
        "6f7a80e6ee852bd309ee9153c6157535092aa706f5c6e51ff199a4be012be1fd"
    )
    six = three + [keccak(b"\x02" * 88)] * 3
    assert merkle_root_and_path(six, tree_size=1)[0] == _h(
        "da895440272a4c4a0b950753c77fd08db0ce57e21c98b75d154c341cbe5f31ac"
    )


def test_protocol_size_tree_and_log_proof_round_trip() -> None:
    """A batch of 3 logs in the 16384-leaf tree: root = empty-padded, proof in the node's
    format (metadata, 14 siblings, aggregated root) verifies against keccak(local, agg)."""
    logs = [message_log(i, "0x" + f"{i + 1:040x}", b"hello %d" % i) for i in range(3)]
    leaves = [lg.leaf() for lg in logs]
    local, path = merkle_root_and_path(leaves, 1)
    assert len(path) == 14
    assert path[13] == empty_subtree(13)
    batch_root = full_logs_root(local)
    proof = encode_log_proof(path)
    assert proof[0][:4] == bytes([1, 15, 0, 1]) and len(proof) == 16
    assert verify_log_proof(proof, 1, logs[1], batch_root)
    assert not verify_log_proof(proof, 0, logs[1], batch_root)
    assert not verify_log_proof(proof, 1, logs[0], batch_root)
    assert parse_log_proof(path) == path  # legacy plain path
    with pytest.raises(InputError):
        parse_log_proof([bytes([1, 15, 1, 0]) + b"\x00" * 28])


def test_log_encoding() -> None:
    lg = message_log(7, "0x" + "ab" * 20, b"msg")
    packed = lg.pack()
    assert len(packed) == 88
    assert packed[:4] == bytes([0, 1, 0, 7])
    assert packed[4:24] == _h(L1_MESSENGER)
    assert packed[24:56] == b"\x00" * 12 + b"\xab" * 20
    assert packed[56:] == keccak(b"msg")
    assert L2Log.unpack(packed) == L2Log(
        0, True, 7, L1_MESSENGER.lower(), packed[24:56], packed[56:]
    )


def test_withdrawal_message() -> None:
    assert _h("6c0960f9") == FINALIZE_ETH_WITHDRAWAL_SELECTOR
    m = eth_withdrawal_message("0x" + "11" * 20, 10**18)
    assert len(m) == 56
    assert decode_eth_withdrawal_message(m) == ("0x" + "11" * 20, 10**18)
    with pytest.raises(InputError):
        decode_eth_withdrawal_message(m[:-1])


def test_canonical_tx_encoding() -> None:
    tx = CanonicalTx(
        sender="0x" + "aa" * 20,
        to="0x" + "bb" * 20,
        gas_limit=300_000,
        gas_per_pubdata=800,
        max_fee_per_gas=250_000_000,
        nonce=5,
        value=10**17,
        mint=10**17 + 75 * 10**12,
        refund_recipient="0x" + "aa" * 20,
        data=b"\x12\x34",
    )
    enc = tx.encode()
    assert enc[:32] == (32).to_bytes(32, "big")  # the head the bootloader writes (0x20)
    assert tx.hash() == keccak(enc)
    (decoded,) = abi_decode([CANONICAL_TX_TYPES], enc)
    back = CanonicalTx.from_tuple(decoded)
    assert back.hash() == tx.hash() and back.sender.lower() == tx.sender


def test_base_cost_formula() -> None:
    # at 1 gwei L1: pubdata 17 gwei + overhead 1e6 gwei / 120000 -> ceil(/800); vs 0.25 gwei +
    # 1e6 gwei / 8e7
    p = ERA_FEE_PARAMS
    l1 = 10**9
    full = 17 * l1 + (10**6 * l1) // 120_000
    want = max(250_000_000 + (10**6 * l1) // 80_000_000, -(-full // 800))
    assert derive_l2_gas_price(l1, 800, p) == want
    assert base_cost(l1, 300_000, 800, p) == want * 300_000
    with pytest.raises(InputError):
        derive_l2_gas_price(l1, 0, p)


# A NewPriorityRequest log emitted by a ZKsync node's Mailbox (a deposit on a local Era node),
# as recorded in viem's test fixture wevm/viem src/zksync/utils/bridge/
# getL2HashFromPriorityOp.test.ts (@ a7c0f6a4): topic, and data = (txId, txHash,
# expirationTimestamp, transaction, factoryDeps).
VIEM_PRIORITY_TOPIC = "0x4531cd5795773d7101c17bdeb9f5ab7f47d7056017506f937083be5d6e77a382"
VIEM_PRIORITY_DATA = (
    "0x000000000000000000000000000000000000000000000000000000000000002018509644075c198320cce3"
    "589a34eeb513ca6f053235788117192b391b1e39f20000000000000000000000000000000000000000000000"
    "00000000006769fa5f00000000000000000000000000000000000000000000000000000000000000a0000000"
    "00000000000000000000000000000000000000000000000000000003a0000000000000000000000000000000"
    "00000000000000000000000000000000ff00000000000000000000000036615cf349d7f6344891b1e7ca7c72"
    "883f5dc04900000000000000000000000043020e6e11cef7dce8e37baa09d9a996ac72205700000000000000"
    "000000000000000000000000000000000000000000000dbba000000000000000000000000000000000000000"
    "00000000000000000000000320000000000000000000000000000000000000000000000000000000001004cc"
    "b000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000002000000000000000000000000000000000000000000000000000000001a13b8600000000"
    "0000000000000000000000000000000000000000000000dbfd8ab0040000000000000000000000000036615c"
    "f349d7f6344891b1e7ca7c72883f5dc049000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000026000000000000000000000000000000000000000"
    "0000000000000000000000028000000000000000000000000000000000000000000000000000000000000002"
    "a000000000000000000000000000000000000000000000000000000000000002c00000000000000000000000"
    "0000000000000000000000000000000000000002e00000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000"
)


def test_canonical_hash_of_a_real_priority_request() -> None:
    """The hash the real Mailbox put in the event equals keccak(abi.encode(transaction)) of
    the transaction it carried, as `CanonicalTx` computes it: a published vector."""
    assert NEW_PRIORITY_REQUEST_TOPIC == VIEM_PRIORITY_TOPIC
    txid, txhash, _, tx, deps = abi_decode(list(NEW_PRIORITY_REQUEST_TYPES), _h(VIEM_PRIORITY_DATA))
    t = CanonicalTx.from_tuple(tx)
    assert txid == 32 and deps == ()
    assert t.tx_type == 255 and t.nonce == 32
    assert t.sender.lower() == "0x36615cf349d7f6344891b1e7ca7c72883f5dc049"
    assert t.gas_per_pubdata == 800
    assert bytes(txhash).hex() == (
        "18509644075c198320cce3589a34eeb513ca6f053235788117192b391b1e39f2"
    )
    assert t.hash() == bytes(txhash)
    # the fixture's receipt (another transaction of the same local L1) paid 1500000001 wei per
    # gas; at that L1 price the Mailbox's L2 gas price with Era's fee parameters is the event's
    # maxFeePerGas (the price enters only through a floor division, so this pins the formula,
    # not the exact L1 price of the event's own transaction)
    assert derive_l2_gas_price(1_500_000_001, 800, ERA_FEE_PARAMS) == t.max_fee_per_gas
