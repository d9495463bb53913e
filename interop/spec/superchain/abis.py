"""The Superchain interop predeploys and the functions / events the adapter uses.

Signatures match contracts-bedrock's interop contracts of the 0.17 line (L2ToL2CrossDomainMessenger
0.1.0, CrossL2Inbox 0.1.0, L1BlockInterop): `relayMessage` takes six arguments and is only callable
by CrossL2Inbox, and `SentMessage(bytes)` is anonymous with the full relay calldata as its data.
Kept here as data (not loaded from npm artifacts) so the adapter runs without devnet packages.
"""

from __future__ import annotations

from interop.abi import Fn, event_topic
from interop.spec.opstack.predeploys import (
    CROSS_L2_INBOX,
    L1_BLOCK,
    L2_TO_L2_CROSS_DOMAIN_MESSENGER,
)

__all__ = [
    "CROSS_L2_INBOX",
    "EXECUTE_MESSAGE",
    "FAILED_RELAYED_MESSAGE_TOPIC",
    "IS_IN_DEPENDENCY_SET",
    "L1_BLOCK",
    "L2_TO_L2_CROSS_DOMAIN_MESSENGER",
    "MESSAGE_NONCE",
    "RELAYED_MESSAGE_TOPIC",
    "RELAY_MESSAGE",
    "SEND_MESSAGE",
    "SUCCESSFUL_MESSAGES",
    "Fn",
    "event_topic",
]


SEND_MESSAGE = Fn("sendMessage(uint256,address,bytes)")
RELAY_MESSAGE = Fn("relayMessage(uint256,uint256,uint256,address,address,bytes)")
SUCCESSFUL_MESSAGES = Fn("successfulMessages(bytes32)", ("bool",))
MESSAGE_NONCE = Fn("messageNonce()", ("uint256",))
EXECUTE_MESSAGE = Fn("executeMessage((address,uint256,uint256,uint256,uint256),address,bytes)")
IS_IN_DEPENDENCY_SET = Fn("isInDependencySet(uint256)", ("bool",))

RELAYED_MESSAGE_TOPIC = event_topic("RelayedMessage(bytes32)")
FAILED_RELAYED_MESSAGE_TOPIC = event_topic("FailedRelayedMessage(bytes32)")
