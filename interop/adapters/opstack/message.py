"""Cross-domain messages through the L1/L2 CrossDomainMessengers (any target, calldata, value).

A message is identified by its hash, `keccak(relayMessage calldata)` (version 1 nonce), which the
receiving messenger records in `successfulMessages` / `failedMessages`. L1 -> L2 messages ride on
a deposit (relayed by the sequencer); L2 -> L1 messages ride on a withdrawal whose `data` is the
relayMessage calldata, so they are proven and finalized like any withdrawal (see `withdraw`).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode as abi_decode

from interop.adapters.opstack.common import call_one, check_pair, send_fn
from interop.client import ChainClient
from interop.errors import MessageNotFoundError
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.spec.opstack import abis as A
from interop.spec.opstack.formulas import cross_domain_message_hash
from interop.types import Address, Hash32, hex_to_bytes, to_address

__all__ = [
    "CrossDomainMessage",
    "get_messages",
    "is_message_failed",
    "is_message_relayed",
    "send_message",
]


@dataclass(frozen=True)
class CrossDomainMessage:
    nonce: int
    sender: Address
    target: Address
    value: int
    min_gas_limit: int
    message: bytes
    messenger: Address

    @property
    def hash(self) -> Hash32:
        return cross_domain_message_hash(
            self.nonce, self.sender, self.target, self.value, self.min_gas_limit, self.message
        )


def get_messages(receipt: Receipt, messenger: str) -> list[CrossDomainMessage]:
    """Messages sent by `messenger` in a receipt (SentMessage + SentMessageExtension1 pairs)."""
    m = to_address(messenger)
    out: list[CrossDomainMessage] = []
    logs = [x for x in receipt.logs if x.address == m and x.topics]
    for i, log in enumerate(logs):
        if log.topics[0] != A.SENT_MESSAGE_TOPIC:
            continue
        target = to_address(hex_to_bytes(log.topics[1])[12:])
        sender, message, nonce, gas = abi_decode(
            ["address", "bytes", "uint256", "uint256"], log.data
        )
        value = 0
        nxt = logs[i + 1] if i + 1 < len(logs) else None
        if nxt is not None and nxt.topics[0] == A.SENT_MESSAGE_EXT1_TOPIC:
            (value,) = abi_decode(["uint256"], nxt.data)
        out.append(
            CrossDomainMessage(
                int(nonce), to_address(sender), target, int(value), int(gas), bytes(message), m
            )
        )
    if not out:
        raise MessageNotFoundError(
            f"transaction {receipt.transaction_hash} sent no cross-domain message via {m}"
        )
    return out


async def send_message(
    l1: ChainClient,
    l2: ChainClient,
    signer: Signer | None,
    *,
    direction: str,
    target: str,
    data: bytes,
    value: int = 0,
    min_gas_limit: int = 200_000,
) -> tuple[Receipt, CrossDomainMessage]:
    """Send via the source side's messenger; `direction` is "l1-to-l2" or "l2-to-l1"."""
    c = check_pair(l1, l2)
    src, messenger = (
        (l1, c.l1_messenger)
        if direction == "l1-to-l2"
        else (l2, A.PREDEPLOYS["L2CrossDomainMessenger"])
    )
    calldata = A.SEND_MESSAGE.encode(to_address(target), data, min_gas_limit)
    rcpt = await send_fn(src, signer, messenger, calldata, value=value)
    return rcpt, get_messages(rcpt, messenger)[0]


async def is_message_relayed(dst: ChainClient, messenger: str, msg_hash: str) -> bool:
    return bool(await call_one(dst, messenger, A.SUCCESSFUL_MESSAGES, hex_to_bytes(msg_hash)))


async def is_message_failed(dst: ChainClient, messenger: str, msg_hash: str) -> bool:
    """True if a relay attempt failed (it can be replayed by anyone via relayMessage)."""
    return bool(await call_one(dst, messenger, A.FAILED_MESSAGES, hex_to_bytes(msg_hash)))
