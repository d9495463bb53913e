"""Actions for L2 -> L2 messages through the L2ToL2CrossDomainMessenger: send, find, check, relay.

On a real interop chain the block builder (with op-supervisor) refuses an executing message whose
identifier does not point at a matching initiating log on the source chain; CrossL2Inbox itself only
checks the timestamp and the dependency set. A manual relay here therefore does the supervisor's
check on the client side (`verify_identifier`) before it sends anything, so a wrong identifier
fails loudly instead of executing an unbacked message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    ExecutionRevertedError,
    MessageNotFoundError,
    MissingSignerError,
    NotReadyError,
    RpcResponseError,
    TransactionFailedError,
)
from interop.rpc.models import Log, Receipt
from interop.signer import Signer
from interop.spec.superchain import abis as A
from interop.spec.superchain.formulas import (
    Identifier,
    SentMessage,
    decode_sent_message,
    encode_execute_message,
    is_sent_message_log,
    sent_message_payload,
)
from interop.types import Hash32

__all__ = [
    "RelayOutcome",
    "SentMessageRef",
    "estimate_relay_gas",
    "get_sent_messages",
    "identifier_for",
    "is_message_relayed",
    "relay_message",
    "relay_outcome",
    "send_message",
    "verify_identifier",
]
_RELAY_GAS_MARGIN = 30_000


@dataclass(frozen=True)
class SentMessageRef:
    """A decoded initiating message and the log that carries it."""

    message: SentMessage
    log: Log


def get_sent_messages(receipt: Receipt) -> list[SentMessageRef]:
    """Every `SentMessage` of the messenger predeploy in a receipt, in log order."""
    out = [
        SentMessageRef(decode_sent_message(sent_message_payload(lg.data)), lg)
        for lg in receipt.logs
        if is_sent_message_log(lg)
    ]
    if not out:
        raise MessageNotFoundError(
            f"transaction {receipt.transaction_hash} sent no L2ToL2CrossDomainMessenger message"
        )
    return out


async def identifier_for(source: ChainClient, log: Log) -> Identifier:
    """The CrossL2Inbox identifier of a log (its block's timestamp comes from the source chain)."""
    block = await source.get_block(log.block_number)
    return Identifier(
        origin=log.address,
        block_number=log.block_number,
        log_index=log.log_index,
        timestamp=int(block["timestamp"], 16),
        chain_id=source.chain.id,
    )


async def verify_identifier(source: ChainClient, identifier: Identifier, payload: bytes) -> None:
    """The supervisor's check: the identified log exists on the source with exactly this data.

    Raises `MessageNotFoundError` otherwise (e.g. the source block was reorged or reverted).
    """
    if identifier.chain_id != source.chain.id:
        raise MessageNotFoundError(
            f"identifier names chain {identifier.chain_id}, source is {source.chain.id}"
        )
    block = await source.get_block(identifier.block_number)
    logs = await source.get_logs(address=identifier.origin, block_hash=block["hash"])
    match = [lg for lg in logs if lg.log_index == identifier.log_index]
    if (
        not match
        or int(block["timestamp"], 16) != identifier.timestamp
        or sent_message_payload(match[0].data) != payload
        or match[0].topics
    ):
        raise MessageNotFoundError(
            "no initiating message matches this identifier on the source chain",
            details=f"chain {source.chain.id} block {identifier.block_number} "
            f"log {identifier.log_index}",
        )


async def is_message_relayed(target: ChainClient, message_hash: str) -> bool:
    (ok,) = A.SUCCESSFUL_MESSAGES.decode(
        await target.call(
            A.L2_TO_L2_CROSS_DOMAIN_MESSENGER,
            A.SUCCESSFUL_MESSAGES.encode(bytes.fromhex(message_hash[2:])),
        )
    )
    return bool(ok)


@dataclass(frozen=True)
class RelayOutcome:
    """What the destination says about a message: relayed, or the relays that failed so far."""

    relayed: bool
    relay_tx: Hash32 | None
    failed_txs: tuple[Hash32, ...]


async def relay_outcome(
    target: ChainClient, message_hash: Hash32, *, from_block: int = 0
) -> RelayOutcome:
    """Look for `RelayedMessage` / `FailedRelayedMessage` with this hash on the destination."""
    relayed = await is_message_relayed(target, message_hash)
    logs = await target.get_logs(
        address=A.L2_TO_L2_CROSS_DOMAIN_MESSENGER,
        topics=[[A.RELAYED_MESSAGE_TOPIC, A.FAILED_RELAYED_MESSAGE_TOPIC], message_hash],
        from_block=from_block,
    )
    ok = [lg.transaction_hash for lg in logs if lg.topics[0] == A.RELAYED_MESSAGE_TOPIC]
    failed = tuple(
        lg.transaction_hash for lg in logs if lg.topics[0] == A.FAILED_RELAYED_MESSAGE_TOPIC
    )
    return RelayOutcome(relayed, ok[0] if ok else None, failed)


async def send_message(
    source: ChainClient,
    signer: Signer,
    *,
    destination: int,
    target: str,
    data: bytes,
    value: int = 0,
    gas: int | None = None,
) -> tuple[Receipt, SentMessageRef]:
    """`sendMessage(destination, target, data)` with `value`; returns the receipt and message."""
    tx_hash = await send_transaction(
        source,
        signer,
        to=A.L2_TO_L2_CROSS_DOMAIN_MESSENGER,
        value=value,
        data=A.SEND_MESSAGE.encode(destination, target, data),
        gas=gas,
    )
    rcpt = await wait_for_receipt(source, tx_hash)
    return rcpt, get_sent_messages(rcpt)[0]


async def estimate_relay_gas(
    target: ChainClient,
    sender: str,
    identifier: Identifier,
    payload: bytes,
    *,
    value: int = 0,
) -> int:
    """Gas for `executeMessage`, with room for the target call.

    The messenger swallows a failing target call (it emits `FailedRelayedMessage` instead of
    reverting), so a plain `eth_estimateGas` may settle on a limit at which the target runs out
    of gas. The target call is therefore estimated on its own and added on top.
    """
    msg = decode_sent_message(payload)
    outer = await target.estimate_gas(
        {
            "from": sender,
            "to": A.CROSS_L2_INBOX,
            "value": hex(value),
            "data": "0x" + encode_execute_message(identifier, payload).hex(),
        }
    )
    inner = 0
    if await target.get_code(msg.target):
        call: dict[str, Any] = {
            "from": A.L2_TO_L2_CROSS_DOMAIN_MESSENGER,
            "to": msg.target,
            "data": "0x" + msg.message.hex(),
        }
        # Only the node's answer "this reverts" moves on; a timeout would otherwise size the
        # relay for a target that needs nothing, and an under-gassed relay fails for good.
        try:
            inner = await target.estimate_gas({**call, "value": hex(value)})
        except (ExecutionRevertedError, RpcResponseError):
            try:
                inner = await target.estimate_gas(call)
            except (ExecutionRevertedError, RpcResponseError):
                inner = 0  # the target reverts: the relay will record FailedRelayedMessage
    return outer + inner * 11 // 10 + _RELAY_GAS_MARGIN


async def relay_message(
    target: ChainClient,
    signer: Signer | None,
    identifier: Identifier,
    payload: bytes,
    *,
    value: int = 0,
    gas: int | None = None,
) -> Receipt:
    """Execute the message on the destination through `CrossL2Inbox.executeMessage`.

    `AlreadyDoneError` if the destination messenger already relayed it; `NotReadyError` if the
    destination's clock is still before the source block (CrossL2Inbox would revert).
    """
    if signer is None:
        raise MissingSignerError("a manual relay sends a transaction but no signer is configured")
    msg = decode_sent_message(payload)
    if msg.destination != target.chain.id:
        raise MessageNotFoundError(f"message is for chain {msg.destination}, not {target.chain.id}")
    if await is_message_relayed(target, msg.hash):
        raise AlreadyDoneError(f"message {msg.hash} was already relayed on {target.chain.name}")
    now = int((await target.get_block("latest"))["timestamp"], 16)
    # CrossL2Inbox reverts for an identifier later than the executing block, and a node may
    # estimate gas in a block at the latest one's time: the source time must be mined already
    if identifier.timestamp > now:
        raise NotReadyError(
            f"{target.chain.name} has not yet reached the source block's time",
            details=f"{identifier.timestamp - now}s to go",
        )
    data = encode_execute_message(identifier, payload)
    try:
        if gas is None:
            gas = await estimate_relay_gas(target, signer.address, identifier, payload, value=value)
        tx_hash = await send_transaction(
            target, signer, to=A.CROSS_L2_INBOX, value=value, data=data, gas=gas
        )
    except ExecutionRevertedError as exc:
        # CrossL2Inbox hides the messenger's MessageAlreadyRelayed behind TargetCallFailed, so
        # ask the messenger itself (someone may have relayed since the check above).
        if await is_message_relayed(target, msg.hash):
            raise AlreadyDoneError(f"message {msg.hash} was already relayed") from exc
        raise
    try:
        return await wait_for_receipt(target, tx_hash)
    except TransactionFailedError as exc:
        if await is_message_relayed(target, msg.hash):  # lost a race with another relayer
            raise AlreadyDoneError(f"message {msg.hash} was already relayed") from exc
        raise
