"""Superchain interop encodings against published values (no network).

Vector: the supersim guide "Manually relaying interop messages with cast"
(ethereum-optimism/supersim, docs/src/guides/interop/manually-relaying-interop-messages-cast.md)
shows a real `SentMessage` payload from chain 901 to 902 and the identifier used to relay it
(origin 0x4200..23, block 18, log index 1, timestamp 1726453637, chain 901), for the same
L2ToL2CrossDomainMessenger generation (six-argument `relayMessage`) that contracts-bedrock 0.17.3
ships. No public fixed vector exists for the message hash (the contracts' own tests fuzz it);
the integration tests check our hash against the real messenger's `successfulMessages` and
`RelayedMessage` topic instead.
"""

from __future__ import annotations

import pytest
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from interop.adapters.superchain.adapter import INTEROP_CONTRACT, SuperchainAdapter
from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1, DEVNET_OP, DEVNET_OP2
from interop.chains.model import Chain
from interop.errors import MessageNotFoundError
from interop.spec.superchain import abis as A
from interop.spec.superchain.formulas import (
    Identifier,
    SentMessage,
    decode_sent_message,
    decode_versioned_nonce,
    encode_execute_message,
    encode_sent_message_log_data,
    encode_versioned_nonce,
    message_hash,
    sent_message_payload,
)

SUPERSIM_PAYLOAD = bytes.fromhex(
    "1ecd26f2"
    "0000000000000000000000000000000000000000000000000000000000000386"
    "0000000000000000000000000000000000000000000000000000000000000385"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000061a6ef395d217ed7c79e1b84880167a417796172"
    "00000000000000000000000061a6ef395d217ed7c79e1b84880167a417796172"
    "00000000000000000000000000000000000000000000000000000000000000c0"
    "0000000000000000000000000000000000000000000000000000000000000064"
    "d9f50046000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cf"
    "ffb92266000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cf"
    "ffb9226600000000000000000000000000000000000000000000000000000000"
    "000003e800000000000000000000000000000000000000000000000000000000"
)
TOKEN = "0x61a6eF395d217eD7C79e1B84880167a417796172"
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_predeploy_addresses() -> None:
    # OP specs, interop predeploys
    assert A.CROSS_L2_INBOX == "0x4200000000000000000000000000000000000022"
    assert A.L2_TO_L2_CROSS_DOMAIN_MESSENGER == "0x4200000000000000000000000000000000000023"
    assert A.L1_BLOCK == "0x4200000000000000000000000000000000000015"


def test_decode_published_sent_message() -> None:
    assert A.RELAY_MESSAGE.selector.hex() == "1ecd26f2"
    m = decode_sent_message(SUPERSIM_PAYLOAD)
    assert (m.destination, m.source, m.nonce) == (902, 901, 0)
    assert m.sender == TOKEN and m.target == TOKEN
    # relayERC20(from, to, amount=1000) as the token encoded it
    assert m.message[:4].hex() == "d9f50046"
    frm, to, amount = abi_decode(["address", "address", "uint256"], m.message[4:])
    assert frm.lower() == to.lower() == ALICE.lower() and amount == 1000
    assert m.payload == SUPERSIM_PAYLOAD


def test_sent_message_log_data_forms() -> None:
    # 0.1.0 emits SentMessage(bytes) with `emit` (ABI-wrapped); later versions log0 the payload
    wrapped = encode_sent_message_log_data(SUPERSIM_PAYLOAD)
    assert wrapped[:32] == (32).to_bytes(32, "big")
    assert sent_message_payload(wrapped) == SUPERSIM_PAYLOAD
    assert sent_message_payload(SUPERSIM_PAYLOAD) == SUPERSIM_PAYLOAD
    with pytest.raises(MessageNotFoundError):
        sent_message_payload(b"\x01\x02")
    with pytest.raises(MessageNotFoundError):
        decode_sent_message(b"\xde\xad\xbe\xef" + SUPERSIM_PAYLOAD[4:])


def test_execute_message_encoding_of_published_identifier() -> None:
    ident = Identifier(A.L2_TO_L2_CROSS_DOMAIN_MESSENGER, 18, 1, 1726453637, 901)
    data = encode_execute_message(ident, SUPERSIM_PAYLOAD)
    sig = b"executeMessage((address,uint256,uint256,uint256,uint256),address,bytes)"
    assert data[:4] == keccak(sig)[:4]
    (origin, block, index, ts, chain), target, payload = abi_decode(
        ["(address,uint256,uint256,uint256,uint256)", "address", "bytes"], data[4:]
    )
    assert origin.lower() == A.L2_TO_L2_CROSS_DOMAIN_MESSENGER.lower()
    assert (block, index, ts, chain) == (18, 1, 1726453637, 901)
    assert target.lower() == A.L2_TO_L2_CROSS_DOMAIN_MESSENGER.lower()
    assert payload == SUPERSIM_PAYLOAD
    assert Identifier.from_json(ident.to_json()) == ident


def test_message_hash_preimage_layout() -> None:
    # OP specs (interop predeploys): messageHash = keccak256(abi.encode(destination, source,
    # nonce, sender, target, message)), i.e. the relayMessage arguments without the selector.
    m = decode_sent_message(SUPERSIM_PAYLOAD)
    assert m.hash == "0x" + keccak(SUPERSIM_PAYLOAD[4:]).hex()
    base = (902, 901, 0, TOKEN, TOKEN, m.message)
    variants = {
        message_hash(*base),
        message_hash(901, 901, 0, TOKEN, TOKEN, m.message),
        message_hash(902, 902, 0, TOKEN, TOKEN, m.message),
        message_hash(902, 901, 1, TOKEN, TOKEN, m.message),
        message_hash(902, 901, 0, ALICE, TOKEN, m.message),
        message_hash(902, 901, 0, TOKEN, ALICE, m.message),
        message_hash(902, 901, 0, TOKEN, TOKEN, m.message + b"\x00"),
    }
    assert len(variants) == 7


def test_versioned_nonce() -> None:
    # Encoding.encodeVersionedNonce: version in the top 16 bits
    assert encode_versioned_nonce(0, 1) == 0x0001 << 240
    assert decode_versioned_nonce(encode_versioned_nonce(41, 0)) == (41, 0)
    assert decode_versioned_nonce((1 << 240) | 7) == (7, 1)
    with pytest.raises(ValueError):
        encode_versioned_nonce(1 << 240)


def test_sent_message_roundtrip() -> None:
    m = SentMessage(902, 901, 5, ALICE, TOKEN, b"\x12\x34")  # type: ignore[arg-type]
    assert decode_sent_message(m.payload) == m


def _interop(chain: Chain) -> Chain:
    return chain.replace(contracts={**chain.contracts, INTEROP_CONTRACT: A.CROSS_L2_INBOX})


def test_supports_is_chain_data() -> None:
    # No chain id is built in: a chain runs interop when its chain data names CrossL2Inbox.
    ad = SuperchainAdapter()
    a, b = _interop(DEVNET_OP), _interop(DEVNET_OP2)
    assert ad.supports(a, b) and ad.supports(b, a)
    assert not ad.supports(a, a)
    assert not ad.supports(a, DEVNET_L1) and not ad.supports(DEVNET_L1, a)
    assert not ad.supports(a, DEVNET_ARB)
    plain = DEVNET_OP2.replace(  # an OP L2 naming no CrossL2Inbox
        source="a chain file",
        contracts={k: v for k, v in DEVNET_OP2.contracts.items() if k != "cross_l2_inbox"},
    )
    assert not ad.supports(a, plain) and not ad.supports(plain, a)
    assert not SuperchainAdapter(interop_sets=[]).supports(a, b)
    assert SuperchainAdapter(interop_sets=[{901, 902}]).supports(DEVNET_OP, DEVNET_OP2)
    other_parent = b.replace(parent_id=1)
    assert not ad.supports(a, other_parent)


def test_adapter_factory() -> None:
    from interop.adapters.base import BridgeAdapter
    from interop.adapters.superchain import adapter_factory

    ad = adapter_factory()
    assert isinstance(ad, BridgeAdapter) and ad.name == "superchain"
