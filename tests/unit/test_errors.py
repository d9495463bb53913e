"""The error tree: the drawing in the module docstring is the truth, and messages are usable."""

from __future__ import annotations

import re

import pytest

import interop.errors as errors_mod
from interop.errors import (
    ChainIdMismatchError,
    ExecutionRevertedError,
    InputError,
    InsufficientFundsError,
    InteropError,
    InvalidAddressError,
    InvalidAmountError,
    ReceiptTimeoutError,
    RpcError,
    RpcResponseError,
    RpcTimeoutError,
    TransactionError,
    TransactionFailedError,
    UnknownChainError,
)


def _drawn_tree() -> dict[str, str]:
    """child -> parent, read from the box drawing in `interop.errors.__doc__`."""
    assert errors_mod.__doc__ is not None
    drawing = errors_mod.__doc__.split("```")[1]
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in drawing.splitlines():
        m = re.match(r"^([│ ├└─]*)(\w+(?:Error|Required))\b", line)
        if not m:
            continue
        depth, name = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[name] = stack[-1][1]
        stack.append((depth, name))
    return parents


def test_docstring_tree_matches_the_classes() -> None:
    drawn = _drawn_tree()
    assert len(drawn) >= 20
    for child, parent in drawn.items():
        cls, base = getattr(errors_mod, child), getattr(errors_mod, parent)
        assert base in cls.__bases__, f"{child} should derive from {parent}"


def test_every_error_is_exported_and_drawn() -> None:
    drawn = set(_drawn_tree()) | {"InteropError"}
    classes = {
        n
        for n, v in vars(errors_mod).items()
        if isinstance(v, type) and issubclass(v, InteropError)
    }
    exported = {n for n in errors_mod.__all__ if isinstance(getattr(errors_mod, n), type)}
    assert classes == exported == drawn


def test_an_error_after_broadcast_says_so_and_keeps_the_hash() -> None:
    from interop.errors import RpcUnreachableError, TransactionReplacedError, mark_sent

    h = "0x" + "ab" * 32
    exc = mark_sent(RpcUnreachableError("node gone"), h, flow_id="f1")
    assert isinstance(exc, RpcUnreachableError)
    assert exc.tx_hash == h and exc.flow_id == "f1" and exc.may_have_executed
    assert h in str(exc) and "may have executed" in str(exc) and "f1" in str(exc)
    # the first hash wins: a later layer cannot re-label the error with another transaction
    mark_sent(exc, "0x" + "cd" * 32)
    assert exc.tx_hash == h
    # a replaced transaction is proven not to execute, whatever layer marks it
    rep = mark_sent(TransactionReplacedError("nonce used", tx_hash=h, replaced_by="0x01"), h)
    assert not rep.may_have_executed and "may have executed" not in str(rep)
    # nothing sent: nothing said
    assert "may have executed" not in str(InputError("bad"))


def test_catch_by_what_the_caller_can_do() -> None:
    assert issubclass(InvalidAddressError, ValueError)  # input errors are ValueErrors
    assert issubclass(InvalidAmountError, InputError)
    assert issubclass(UnknownChainError, LookupError)
    assert issubclass(ReceiptTimeoutError, TimeoutError)
    assert issubclass(RpcTimeoutError, TimeoutError)
    assert issubclass(ExecutionRevertedError, RpcResponseError)
    assert issubclass(TransactionFailedError, TransactionError)
    assert not issubclass(RpcError, InputError)


def test_message_details_hint_rendering() -> None:
    e = InvalidAmountError("amount must not be negative", details="got -1", hint="use ether()")
    assert str(e) == "amount must not be negative\nDetails: got -1\nHint: use ether()"
    assert (e.message, e.details, e.hint) == (
        "amount must not be negative",
        "got -1",
        "use ether()",
    )
    assert str(InteropError("short")) == "short"


def test_insufficient_funds_keeps_numbers() -> None:
    e = InsufficientFundsError("not enough", balance=5, required=7, hint="top up")
    assert (e.balance, e.required, e.hint) == (5, 7, "top up")
    with pytest.raises(InputError):
        raise e


def test_chain_id_mismatch_says_nothing_was_signed() -> None:
    e = ChainIdMismatchError("http://127.0.0.1:8545", expected=1, actual=900)
    assert (e.url, e.expected, e.actual) == ("http://127.0.0.1:8545", 1, 900)
    assert "900" in str(e) and "1" in e.message
    assert e.hint is not None and "nothing was signed" in e.hint


def test_unknown_chain_suggests() -> None:
    e = UnknownChainError("bsae", ["base", "base-sepolia"])
    assert e.query == "bsae"
    assert "'bsae'" in str(e) and "did you mean base, base-sepolia?" in str(e)
    assert UnknownChainError(5).hint is None


def test_rpc_and_transaction_errors_keep_their_data() -> None:
    r = ExecutionRevertedError("eth_call: execution reverted", code=3, data="0x08c379a0")
    assert (r.code, r.data) == (3, "0x08c379a0")
    t = ReceiptTimeoutError("not mined", tx_hash="0x" + "ab" * 32)
    assert t.tx_hash == "0x" + "ab" * 32
    with pytest.raises(TimeoutError):
        raise t
