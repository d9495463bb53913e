"""One exception tree for everything interop raises, organised by what the caller can do.

```
InteropError                      base: catch this to catch everything of ours
├── InputError                    the caller passed something wrong; nothing was sent
│   ├── InvalidAddressError       malformed, or mixed-case with a bad EIP-55 checksum
│   ├── InvalidAmountError        negative, float, non-integer, unparseable unit
│   ├── UnknownChainError         no chain with that id / name / alias ("did you mean ...?")
│   ├── InsufficientFundsError    value + fees exceed the balance
│   ├── RefusedError              a pre-send check refused; `code` names it, `waive={code}` waives it
│   │   └── UnsafeRecipientError  the recipient cannot receive (or own) funds on the destination
│   └── MissingSignerError        a write was asked for but no signer is configured
├── ConfigError                   chain definitions / files / devnet set-up are wrong
│   ├── DevnetError               a devnet process or install step failed
│   └── JournalError              the journal file is unreadable or of an unknown schema
├── RpcError                      talking to a node failed
│   ├── RpcUnreachableError       no URL of the chain answered (after retries and fallback)
│   ├── RpcResponseError          the node answered with a JSON-RPC error
│   │   └── ExecutionRevertedError  eth_call / estimateGas reverted (data kept)
│   ├── ChainIdMismatchError      the URL serves another chain than configured: never sign for it
│   └── RpcTimeoutError           a request or a wait ran out of time
├── TransactionError              a transaction was signed; see `may_have_executed`
│   ├── TransactionFailedError    mined with status 0
│   ├── ReceiptTimeoutError       not mined within the timeout (it may still be mined later)
│   ├── TransactionUnknownError   broadcast, but whether it landed could not be found out
│   └── TransactionReplacedError  its nonce was used by another transaction: it never executes
└── BridgeError                   a cross-chain flow cannot do the next step
    ├── UnsupportedOperationError the stack / route does not offer this
    ├── NotReadyError             the step is not possible yet (e.g. finalize before ready)
    ├── AlreadyDoneError          the step already happened (e.g. prove twice, execute twice)
    ├── ManualActionRequired      a person must act (`action` says what); complete() stops here
    ├── FlowTimeoutError          wait()/complete() ran out of the caller's timeout (not an RPC one)
    └── MessageNotFoundError      e.g. a receipt contains no withdrawal
```

Foreign exceptions (aiohttp, web3, eth-abi) are mapped at one boundary each, with `raise ... from`.
Messages never contain private keys; `details` is for humans, `cause` for debugging.

Delivery: any error raised after a transaction was handed to a node carries that transaction's
hash (`tx_hash`), the journal flow id when there is one (`flow_id`) and `may_have_executed=True`;
its message says so. Such an error must not be answered by sending the payment again: look the
hash up (or `resume`), because the transaction may be mined later. `mark_sent` attaches this
to any error at the point where the send path knows it; `InputError` is never raised after a
send (it means: nothing was signed).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "AlreadyDoneError",
    "BridgeError",
    "ChainIdMismatchError",
    "ConfigError",
    "DevnetError",
    "ExecutionRevertedError",
    "FlowTimeoutError",
    "InputError",
    "InsufficientFundsError",
    "InteropError",
    "InvalidAddressError",
    "InvalidAmountError",
    "JournalError",
    "ManualActionRequired",
    "MessageNotFoundError",
    "MissingSignerError",
    "NotReadyError",
    "ReceiptTimeoutError",
    "RefusedError",
    "RpcError",
    "RpcResponseError",
    "RpcTimeoutError",
    "RpcUnreachableError",
    "TransactionError",
    "TransactionFailedError",
    "TransactionReplacedError",
    "TransactionUnknownError",
    "UnknownChainError",
    "UnsafeRecipientError",
    "UnsupportedOperationError",
    "mark_sent",
    "redact_key_shaped",
    "shown",
]


class InteropError(Exception):
    """Base of every error interop raises.

    `message` is one short sentence a person can act on; `details` adds context (chain, method,
    values); `hint` says what to do about it. `tx_hash` / `flow_id` / `may_have_executed` are set
    when the error happened after a transaction was broadcast (see `mark_sent`): the caller must
    then check that transaction, never send the same payment again on the strength of the error.
    """

    tx_hash: str | None = None
    flow_id: str | None = None
    may_have_executed: bool = False

    def __init__(
        self, message: str, *, details: str | None = None, hint: str | None = None
    ) -> None:
        self.message = message
        self.details = details
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return self._render()

    def _render(self) -> str:
        parts = [self.message]
        if self.details:
            parts.append(f"Details: {self.details}")
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        if self.may_have_executed and self.tx_hash:
            where = f" (flow {self.flow_id})" if self.flow_id else ""
            parts.append(
                f"Sent: transaction {self.tx_hash}{where} was broadcast and may have executed;"
                " check it (or run `interop resume`) before sending anything again"
            )
        return "\n".join(parts)


_KEY_SHAPED = re.compile(
    r"(?<![0-9a-zA-Z])(?:0[xX])?([0-9a-fA-F]{4})[0-9a-fA-F]{60}(?![0-9a-zA-Z])"
)


def shown(value: object) -> str:
    """`repr(value)` for an error message about user input, with every 64-hex-digit token cut to
    `0x1234…(redacted)`.

    Why: a private key is 64 hex digits and gets pasted where an amount, an address or a chain
    was expected; echoing the bad value would print the key into logs. Use it wherever an error
    quotes what the caller passed (never for hashes the library itself found on chain).
    """
    return redact_key_shaped(repr(value))


def redact_key_shaped(text: str) -> str:
    """`text` with every 64-hex-digit token (a private key's shape) cut to `0x1234…(redacted)`."""
    return _KEY_SHAPED.sub(lambda m: f"0x{m.group(1)}…(redacted)", text)


def mark_sent(
    exc: BaseException, tx_hash: str | None, *, flow_id: str | None = None
) -> BaseException:
    """Record on `exc` that `tx_hash` was broadcast before it was raised (returns `exc`).

    The first hash recorded wins (it is the transaction the failing call was about); a flow id
    is added when a later layer knows it. Non-interop exceptions are returned unchanged.
    """
    if isinstance(exc, InteropError):
        if tx_hash and not exc.tx_hash:
            exc.tx_hash = tx_hash
        if flow_id and not exc.flow_id:
            exc.flow_id = flow_id
        if exc.tx_hash and not isinstance(exc, TransactionReplacedError):
            exc.may_have_executed = True
    return exc


class InputError(InteropError, ValueError):
    """The caller passed something wrong; nothing was sent."""


class InvalidAddressError(InputError):
    """Malformed address, or mixed-case with a wrong EIP-55 checksum."""


class InvalidAmountError(InputError):
    """Negative, float, non-integer or unparseable amount."""


class UnknownChainError(InputError, LookupError):
    """No chain with that id, name or alias is configured."""

    def __init__(self, query: object, suggestions: list[str] | None = None) -> None:
        self.query = redact_key_shaped(query) if isinstance(query, str) else query
        self.suggestions = suggestions or []
        hint = f"did you mean {', '.join(self.suggestions)}?" if self.suggestions else None
        # the query is user input: a private key pasted as a chain name must not be echoed
        super().__init__(f"unknown chain {redact_key_shaped(repr(query))}", hint=hint)


class InsufficientFundsError(InputError):
    """Value plus fees exceed the sender's balance."""

    def __init__(self, message: str, *, balance: int, required: int, **kw: Any) -> None:
        self.balance = balance
        self.required = required
        super().__init__(message, **kw)


class RefusedError(InputError):
    """A pre-send check refused the request; nothing was signed.

    `code` is stable (documented per adapter, e.g. "zero-recipient", "contract-recipient",
    "aliased-recipient"): a caller who knows better waives exactly that check with
    `waive={code}` instead of switching every safety check off. `codes` lists every refusal
    found when several apply (the first is `code`)."""

    def __init__(self, message: str, *, code: str, codes: tuple[str, ...] = (), **kw: Any) -> None:
        self.code = code
        self.codes = codes or (code,)
        super().__init__(message, **kw)

    def _render(self) -> str:
        return super()._render() + f"\nRefusal code: {', '.join(self.codes)}"


class UnsafeRecipientError(RefusedError):
    """The recipient cannot receive, or would not own, the funds on the destination chain."""

    def __init__(self, message: str, *, code: str = "unsafe-recipient", **kw: Any) -> None:
        super().__init__(message, code=code, **kw)


class MissingSignerError(InputError):
    """A write was requested but no signer (account) is configured."""


class ConfigError(InteropError):
    """Chain definitions, files or devnet set-up are wrong."""


class DevnetError(ConfigError):
    """A devnet process or install step failed."""


class JournalError(ConfigError):
    """The journal cannot be used: unreadable, corrupt, or written by a newer schema."""


class RpcError(InteropError):
    """Talking to a node failed."""


class RpcUnreachableError(RpcError):
    """No URL of the chain answered, after retries and fallback."""


class RpcResponseError(RpcError):
    """The node answered with a JSON-RPC error object."""

    def __init__(
        self, message: str, *, code: int | None = None, data: Any = None, **kw: Any
    ) -> None:
        self.code = code
        self.data = data
        super().__init__(message, **kw)


class ExecutionRevertedError(RpcResponseError):
    """`eth_call` or `eth_estimateGas` reverted; `data` holds the revert data if any."""


class ChainIdMismatchError(RpcError):
    """The RPC URL serves a different chain than configured. interop never signs for it."""

    def __init__(self, url: str, expected: int, actual: int) -> None:
        self.url = url
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"RPC {url} serves chain id {actual}, but it is configured for chain id {expected}",
            hint="check the RPC URL; nothing was signed or sent",
        )


class RpcTimeoutError(RpcError, TimeoutError):
    """A request or a wait ran out of time."""


class TransactionError(InteropError):
    """A transaction was signed (and usually sent) but did not do what was asked, or its fate
    is unknown. `tx_hash` names it; `may_have_executed` says whether it can still be mined."""

    def __init__(
        self,
        message: str,
        *,
        tx_hash: str | None = None,
        flow_id: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.tx_hash = tx_hash
        self.flow_id = flow_id
        self.may_have_executed = tx_hash is not None


class TransactionFailedError(TransactionError):
    """Mined with status 0 (reverted): it executed, and did nothing but pay its fee."""


class ReceiptTimeoutError(TransactionError, TimeoutError):
    """Not mined within the timeout. It may still be mined later: keep the hash."""


class TransactionUnknownError(TransactionError):
    """Broadcast (or possibly broadcast), but whether it landed could not be found out in time.

    It may be mined later. Look the hash up, or `resume` the flow; never re-send the payment.
    """


class TransactionReplacedError(TransactionError):
    """Its nonce was consumed by another transaction (`replaced_by`): it can never be mined.

    Nothing of this transaction executed; the other transaction did whatever it did.
    """

    def __init__(self, message: str, *, replaced_by: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.replaced_by = replaced_by
        self.may_have_executed = False


class BridgeError(InteropError):
    """A cross-chain flow cannot perform the requested step."""


class UnsupportedOperationError(BridgeError):
    """The stack or route does not offer this operation."""


class NotReadyError(BridgeError):
    """The step is not possible yet (for example finalize before the challenge period ends)."""


class AlreadyDoneError(BridgeError):
    """The step already happened (for example proving twice or executing twice)."""


class ManualActionRequired(BridgeError):
    """The flow cannot go on by itself or by any step the library may take for you: a person
    must decide (an OP withdrawal whose message failed on L1 and must be replayed with more gas,
    an Arbitrum retryable that expired, a Scroll message to replay with a higher gas limit).
    `action` says what to do; `complete()` raises it instead of polling forever."""

    def __init__(self, message: str, *, action: str, **kw: Any) -> None:
        self.action = action
        kw.setdefault("hint", action)
        super().__init__(message, **kw)


class FlowTimeoutError(BridgeError, TimeoutError):
    """`Flow.wait()` / `complete()` ran out of the caller's `timeout`. Nothing is lost: the flow
    is journaled; wait again or `interop resume` later. (Not an RPC timeout: the node answered.)"""


class MessageNotFoundError(BridgeError, LookupError):
    """The expected message or withdrawal is not where it should be (e.g. not in the receipt)."""
