"""Build, sign, send and wait for transactions: the one path every write in interop takes.

Every adapter sends its contract calls through `send_transaction`, so chain-id verification,
EIP-155, fee estimation and nonce handling live in one place:

- the node must serve the configured chain id (`ChainClient.ensure_chain_id`) before anything is
  signed, and every transaction carries that chain id (`sign_transaction` refuses one without);
- fees come from `estimate_fees` (EIP-1559 type 2, or type 0 on legacy-only chains);
- nonces come from a shared `NonceManager` when given (safe for concurrent sends), else from the
  node's pending count;
- a signed transaction is the unit of identity: it is signed once, only its bytes are ever
  re-sent, and after a lost answer (or "already known" / "nonce too low") `tx_fate` finds out what
  became of *that hash*. A new signature is made only when another transaction is proven to have
  used the nonce; "could not find out" raises `TransactionUnknownError`, never a guess;
- every error raised once the bytes may have left carries the hash and `may_have_executed`
  (`interop.errors.mark_sent`), `wait_for_receipt`'s included.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from interop.actions.fate import Fate, FateKind, tx_fate
from interop.actions.fees import Fees, estimate_fees
from interop.actions.nonce import NonceManager, NonceSlot
from interop.client import ChainClient
from interop.errors import (
    ConfigError,
    InputError,
    InteropError,
    ReceiptTimeoutError,
    RpcError,
    RpcResponseError,
    TransactionFailedError,
    TransactionReplacedError,
    TransactionUnknownError,
    mark_sent,
)
from interop.rpc.models import Receipt
from interop.rpc.retry import (
    check_seconds,
    deadline_scope,
    is_already_known,
    is_nonce_too_low,
    transient_rpc_kind,
)
from interop.signer import Signer
from interop.types import Address, Hash32, to_address, to_hash32, to_wei_int

__all__ = [
    "DEFAULT_PATIENCE",
    "SentTransaction",
    "build_transaction",
    "estimate_gas_limit",
    "send_transaction",
    "sign_transaction",
    "submit_transaction",
    "suggest_fees",
    "wait_for_receipt",
]

log = logging.getLogger("interop.tx")

TRANSFER_GAS = 21_000
"""Gas of a plain value transfer to an account without code: exact, no buffer needed."""

_NONCE_RETRIES = 2


async def suggest_fees(client: ChainClient) -> tuple[int, int]:
    """(max_fee_per_gas, max_priority_fee_per_gas); kept for callers of the first version."""
    fees = await estimate_fees(client)
    return fees.max_fee_per_gas, fees.max_priority_fee_per_gas


async def estimate_gas_limit(
    client: ChainClient, sender: str, *, to: str | None, value: int = 0, data: bytes = b""
) -> int:
    """Gas limit with a safety margin, except for a plain transfer, whose cost is exact."""
    est: dict[str, Any] = {"from": sender, "value": hex(value), "data": "0x" + data.hex()}
    if to is not None:
        est["to"] = to
    gas = await client.estimate_gas(est)
    if gas == TRANSFER_GAS and not data and to is not None:
        return gas
    return gas * 6 // 5 + 10_000


def check_gas_limit(gas: int | None) -> None:
    """Refuse a gas limit no transaction can run with (caught before anything is signed)."""
    if gas is not None and (
        isinstance(gas, bool) or not isinstance(gas, int) or gas < TRANSFER_GAS
    ):
        raise InputError(f"gas limit must be an int >= {TRANSFER_GAS}, got {gas!r}")


async def _unsigned(
    client: ChainClient,
    sender: str,
    *,
    to: str | None,
    value: int,
    data: bytes,
    gas: int | None,
    fees: Fees | None,
) -> dict[str, Any]:
    if to is not None:
        to = to_address(to)
    value = to_wei_int(value)
    check_gas_limit(gas)
    await client.ensure_chain_id()
    if fees is None or gas is None:
        fees_task = estimate_fees(client) if fees is None else None
        gas_task = (
            estimate_gas_limit(client, sender, to=to, value=value, data=data)
            if gas is None
            else None
        )
        if fees_task is not None and gas_task is not None:
            fees, gas = await asyncio.gather(fees_task, gas_task)
        elif fees_task is not None:
            fees = await fees_task
        elif gas_task is not None:
            gas = await gas_task
    assert fees is not None and gas is not None
    tx: dict[str, Any] = {
        "from": sender,
        "value": value,
        "data": "0x" + data.hex(),
        "chainId": client.chain.id,
        "gas": gas,
        **fees.tx_fields(),
    }
    if to is not None:
        tx["to"] = to
    return tx


async def build_transaction(
    client: ChainClient,
    sender: str,
    *,
    to: str | None,
    value: int = 0,
    data: bytes = b"",
    gas: int | None = None,
    nonce: int | None = None,
    fees: Fees | None = None,
) -> dict[str, Any]:
    """An unsigned transaction dict (with `from`) for eth-account, chain id verified and set."""
    tx = await _unsigned(client, sender, to=to, value=value, data=data, gas=gas, fees=fees)
    tx["nonce"] = await client.get_nonce(sender) if nonce is None else nonce
    return tx


def sign_transaction(signer: Signer, tx: dict[str, Any], *, chain_id: int) -> Any:
    """Sign `tx` only if it carries `chain_id` (EIP-155 replay protection, every type)."""
    if tx.get("chainId") != chain_id:
        raise InputError(
            f"refusing to sign a transaction with chainId {tx.get('chainId')!r} "
            f"for chain {chain_id}",
            hint="every transaction must carry the chain id it is meant for (EIP-155)",
        )
    unsigned = {k: v for k, v in tx.items() if k != "from"}
    return signer.sign_transaction(unsigned)


DEFAULT_PATIENCE = 30.0
"""Seconds `send_transaction` keeps looking for a transaction whose submission answer was lost
before raising `TransactionUnknownError` (lagging backends answer null for a few seconds)."""

_MAX_REPLACEMENTS = 2
"""New signatures one call may make after its nonce was *proven* used by another transaction."""


@dataclass(frozen=True, slots=True)
class SentTransaction:
    """A signed transaction a node accepted, or that was proven pending or mined.

    `raw` is the signed EIP-2718 bytes (its keccak is `tx_hash`): callers that need them later
    (the OP Stack L1 fee, a re-broadcast) use these instead of fetching them back from a node.
    `fate` is None when the first submission was answered plainly, else what `tx_fate` proved.
    """

    tx_hash: Hash32
    raw: bytes
    sender: Address
    nonce: int
    fate: Fate | None = None


def _maybe_sent(exc: RpcResponseError) -> bool:
    """True if this rejection of our bytes does not prove they were never accepted.

    "already known" means a node holds them; "nonce too low" may mean they were mined (an
    earlier copy got through); "replacement ... underpriced" means some transaction holds the
    nonce in a pool. Every other JSON-RPC rejection (insufficient funds, fee below base fee,
    intrinsic gas, nonce too high ...) is the node validating these exact bytes and refusing
    them; nodes check the nonce and "known" first, so such a refusal also says no earlier copy
    is in that node's pool or chain. A load balancer's or proxy's error (internal error,
    upstream, rate limited: `transient_rpc_kind`) is no verdict on the bytes: they may have been
    forwarded.
    """
    msg = exc.message.lower()
    return (
        is_already_known(exc)
        or is_nonce_too_low(exc)
        or "replacement" in msg
        or "invalid nonce" in msg
        or transient_rpc_kind(exc.code, exc.message) is not None
    )


async def _sign_and_send(
    client: ChainClient,
    signer: Signer,
    tx: dict[str, Any],
    nonce: int,
    *,
    patience: float,
    slot: NonceSlot | None,
) -> SentTransaction | Fate:
    """Sign once, submit, and settle: a `SentTransaction`, or a `REPLACED` fate.

    Raises the node's `RpcResponseError` unchanged (no hash: nothing was accepted) for a
    definite refusal, `TransactionUnknownError` when the fate stays unknown; anything else raised
    after the submission started carries the hash (`mark_sent`).
    """
    signed = sign_transaction(signer, {**tx, "nonce": nonce}, chain_id=client.chain.id)
    raw = bytes(signed.raw_transaction)
    tx_hash = to_hash32(bytes(signed.hash))
    sender = to_address(signer.address)
    log.debug(
        "sending %s on %s (chain %d) from %s nonce %d",
        tx_hash,
        client.chain.name,
        client.chain.id,
        sender,
        nonce,
    )
    if slot is not None:
        slot.uncertain()  # from here on the bytes may be in a pool (even if we are cancelled)
    lost: Exception
    try:
        answer = await client.request("eth_sendRawTransaction", ["0x" + raw.hex()])
    except RpcResponseError as exc:
        if not _maybe_sent(exc):
            if slot is not None:
                slot.released()
            raise
        lost = exc
    except Exception as exc:  # the answer was lost, garbled or timed out: the bytes may be out
        lost = exc
    else:
        if isinstance(answer, str) and answer.lower() != tx_hash:
            log.warning("node answered hash %s for %s; using the signed hash", answer, tx_hash)
        if slot is not None:
            slot.sent()
        return SentTransaction(tx_hash, raw, sender, nonce)
    log.debug("submission of %s uncertain (%s); looking it up", tx_hash, lost)
    try:
        fate = await tx_fate(client, sender, nonce, tx_hash, patience=patience, raw=raw)
    except BaseException as exc:
        mark_sent(exc, tx_hash)
        raise
    if fate.accepted:
        if slot is not None:
            slot.sent()
        return SentTransaction(tx_hash, raw, sender, nonce, fate)
    if fate.kind is FateKind.REPLACED:
        if slot is not None:
            slot.replaced()
        note = getattr(signer, "note_replaced", None)
        if callable(note):  # e.g. a journaling signer marks the dead transaction
            note(tx_hash, fate.replaced_by)
        return fate
    raise TransactionUnknownError(
        f"transaction {tx_hash} (nonce {nonce}) on {client.chain.name}: the node's answer was "
        f"lost and the transaction was neither found nor replaced within {patience:g}s",
        tx_hash=tx_hash,
        details=f"{type(lost).__name__}: {lost}",
        hint="it may still be mined: look the hash up (or `interop resume`) before sending again",
    ) from lost


async def submit_transaction(
    client: ChainClient,
    signer: Signer,
    *,
    to: str | None,
    value: int = 0,
    data: bytes = b"",
    gas: int | None = None,
    nonce: int | None = None,
    nonces: NonceManager | None = None,
    fees: Fees | None = None,
    patience: float = DEFAULT_PATIENCE,
) -> SentTransaction:
    """Sign and send one transaction; the signed transaction is the unit of identity.

    It is signed once (a journaling signer records it before it leaves) and only those bytes are
    ever submitted. When the node's answer is lost, or it says "already known" / "nonce too low",
    `tx_fate` finds out what became of *that hash* (re-broadcasting the same bytes while it looks,
    for up to `patience` seconds). Outcomes:

    - accepted, pending or mined -> returned;
    - refused by the node outright (insufficient funds, fee too low ...) -> its `RpcResponseError`
      (nothing was accepted; the nonce is free again);
    - its nonce proven used by *another* transaction -> signed again with a fresh nonce (at most
      twice, only when the nonce was not given explicitly; the first can never be mined), else
      `TransactionReplacedError`;
    - nothing provable within `patience` -> `TransactionUnknownError` carrying the hash. It is
      never answered by a new signature: that is how a payment would be made twice.

    With `nonces`, concurrent calls for one account get contiguous nonces; a nonce whose
    transaction may be in a pool is never handed out again. An explicit `nonce` bypasses it.
    A signer with `note_replaced(tx_hash, replaced_by)` is told about a replaced transaction
    before the new one is signed.
    """
    check_seconds(patience, "patience")  # before signing: an InputError means nothing was sent
    tx = await _unsigned(client, signer.address, to=to, value=value, data=data, gas=gas, fees=fees)
    if nonces is None:  # a signer may carry its account's nonce manager (SafeSigner does)
        nonces = getattr(signer, "nonce_manager", None)
    outcome: SentTransaction | Fate
    for attempt in range(_MAX_REPLACEMENTS + 1):
        if nonce is not None:
            outcome = await _sign_and_send(client, signer, tx, nonce, patience=patience, slot=None)
        elif nonces is None:
            fresh = await client.get_nonce(signer.address)
            outcome = await _sign_and_send(client, signer, tx, fresh, patience=patience, slot=None)
        else:
            async with nonces.reserve(client, signer.address) as slot:
                outcome = await _sign_and_send(
                    client, signer, tx, slot.nonce, patience=patience, slot=slot
                )
        if isinstance(outcome, SentTransaction):
            return outcome
        if nonce is not None or attempt == _MAX_REPLACEMENTS:
            break
        log.info(
            "nonce of %s on %s was used by %s; signing again with a fresh nonce",
            outcome.tx_hash,
            client.chain.name,
            outcome.replaced_by,
        )
    assert isinstance(outcome, Fate)
    raise TransactionReplacedError(
        f"transaction {outcome.tx_hash} on {client.chain.name} can never be mined: its nonce was "
        f"used by {outcome.replaced_by}",
        tx_hash=outcome.tx_hash,
        replaced_by=outcome.replaced_by,
        hint="nothing of this transaction executed; check what the other transaction did "
        "(another process using the same key?) before sending again",
    )


async def send_transaction(
    client: ChainClient,
    signer: Signer,
    *,
    to: str | None,
    value: int = 0,
    data: bytes = b"",
    gas: int | None = None,
    nonce: int | None = None,
    nonces: NonceManager | None = None,
    fees: Fees | None = None,
    patience: float = DEFAULT_PATIENCE,
) -> Hash32:
    """Sign and send; returns the hash once a node accepted it (see `submit_transaction` for
    every outcome, and `wait_for_receipt` to wait for it)."""
    sent = await submit_transaction(
        client,
        signer,
        to=to,
        value=value,
        data=data,
        gas=gas,
        nonce=nonce,
        nonces=nonces,
        fees=fees,
        patience=patience,
    )
    return sent.tx_hash


def _default_poll(client: ChainClient) -> float:
    return min(max(client.chain.block_time_ms / 4000, 0.05), 2.0)


async def wait_for_receipt(
    client: ChainClient,
    tx_hash: str,
    *,
    timeout: float = 60.0,
    poll: float | None = None,
    check: bool = True,
) -> Receipt:
    """Poll for the receipt; `ReceiptTimeoutError` (hash kept) after `timeout` seconds.

    With `check`, a reverted transaction raises `TransactionFailedError`. Polling defaults to a
    quarter of the chain's block time (50 ms .. 2 s). A lookup that fails (RPC trouble, a garbled
    answer) is not an answer: polling goes on until the timeout, each lookup bounded by what is
    left of it, and the timeout error names the last failure. Every error raised carries the hash
    and `may_have_executed` (the transaction was sent before this is called).
    """
    interval = _default_poll(client) if poll is None else poll
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                with deadline_scope(max(remaining, 1.0)):
                    async with asyncio.timeout(max(remaining, 1.0) + 0.5):
                        rcpt = await client.get_receipt(tx_hash)
            except (RpcError, ConfigError, TimeoutError, ValueError, KeyError, TypeError) as exc:
                log.debug("receipt lookup for %s failed: %s", tx_hash, exc)
                rcpt, last_error = None, exc
            else:
                last_error = None
            if rcpt is not None:
                if check and not rcpt.succeeded:
                    raise TransactionFailedError(
                        f"transaction {tx_hash} reverted on {client.chain.name}", tx_hash=tx_hash
                    )
                return rcpt
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                failed = (
                    f"; the last lookup failed: {type(last_error).__name__}: {last_error}"
                    if last_error is not None
                    else ""
                )
                raise ReceiptTimeoutError(
                    f"no receipt for transaction {tx_hash} on {client.chain.name} within "
                    f"{timeout}s{failed}",
                    tx_hash=tx_hash,
                    hint="it may still be mined; keep the hash and check again",
                ) from last_error
            await asyncio.sleep(min(interval, remaining))
    except InteropError as exc:
        mark_sent(exc, tx_hash)
        raise
