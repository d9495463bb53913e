"""Native ETH between two interop L2s, with the contracts this contracts-bedrock version ships.

contracts-bedrock 0.17.3 has no SuperchainETHBridge (0x4200..24) or ETHLiquidity (0x4200..25).
What it has is a payable messenger: `sendMessage{value: v}(destination, recipient, "")` locks `v`
in the source messenger, and on the destination whoever calls `CrossL2Inbox.executeMessage` with
`msg.value = v` has it forwarded to the recipient. The value is *not* part of the message (nor of
its hash), so it is read from the source transaction: the `msg.value` of each `sendMessage` call,
found with a call trace (or, without tracing, from the transaction itself when it called the
messenger directly). See docs/superchain.md for what this means for manual relays.
"""

from __future__ import annotations

from interop.adapters.superchain.message import SentMessageRef, send_message
from interop.client import ChainClient
from interop.errors import MessageNotFoundError, RpcResponseError
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.spec.superchain import abis as A
from interop.spec.superchain.formulas import sent_values_in_trace

__all__ = ["send_eth", "sent_values"]


async def send_eth(
    source: ChainClient,
    signer: Signer,
    *,
    destination: int,
    recipient: str,
    value: int,
    gas: int | None = None,
) -> tuple[Receipt, SentMessageRef]:
    """Send `value` wei to `recipient` on `destination` as an empty message carrying value."""
    return await send_message(
        source, signer, destination=destination, target=recipient, data=b"", value=value, gas=gas
    )


async def sent_values(source: ChainClient, tx_hash: str) -> list[int]:
    """`msg.value` of every successful `sendMessage` call in a transaction, in log order."""
    try:
        trace = await source.request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
    except RpcResponseError:
        trace = None
    if isinstance(trace, dict):
        return sent_values_in_trace(trace)
    tx = await source.get_transaction(tx_hash)
    if tx is None:
        raise MessageNotFoundError(f"no transaction {tx_hash} on {source.chain.name}")
    if str(tx.get("to") or "").lower() == A.L2_TO_L2_CROSS_DOMAIN_MESSENGER.lower():
        return [int(tx["value"], 16)]
    raise MessageNotFoundError(
        f"cannot tell the value of the messages in {tx_hash}: the node does not trace calls"
    )
