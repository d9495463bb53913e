"""The fallback strategies' fast paths give exactly what the plain paths give.

Issue 16 made the Multicall3 and batch strategies cheaper by writing and reading their requests
in bulk; each fast path here is checked against the path it replaces (the ABI encoder's bytes,
the JSON module, a per-answer decoder), on generated input that includes what must fall back.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interop.actions import balances as bal
from interop.errors import RpcResponseError, RpcTimeoutError
from interop.rpc.http import _encode_batch
from interop.rpc.models import HexStr
from interop.types import hex_to_bytes

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000])
def test_multicall3_hex_is_the_hex_of_the_abi_calldata(n: int) -> None:
    packed = os.urandom(20 * n)
    got = bal._multicall3_hex(MULTICALL3, packed, n)
    assert type(got) is HexStr
    assert got == HexStr(bal.encode_multicall3_balances(MULTICALL3, packed))
    # twice: the second call takes the cached pieces
    assert bal._multicall3_hex(MULTICALL3, packed, n) == got


def test_hexstr_join_hex() -> None:
    assert HexStr.join_hex(["00ff", "", "10"]) == "0x00ff10"
    assert type(HexStr.join_hex([])) is HexStr


def _reference_batch(calls: list[tuple[str, list[Any]]], lo: int, hi: int) -> bytes:
    items = [
        {"jsonrpc": "2.0", "id": i, "method": calls[i][0], "params": calls[i][1]}
        for i in range(lo, hi)
    ]
    return json.dumps(items, separators=(",", ":")).encode()


# hex-like strings (the usual), and strings that need escaping or are not ASCII
_S = st.one_of(
    st.text(alphabet="0123456789abcdefx", max_size=42),
    st.text(max_size=6),
    st.sampled_from(['"', "\\", "\n", "\x00", "é", "\u2028", "latest"]),
)
_CALL = st.one_of(
    st.tuples(st.just("eth_getBalance"), st.lists(_S, max_size=2)),
    st.tuples(
        st.just("eth_call"),
        st.tuples(st.fixed_dictionaries({"to": _S, "data": _S}), _S).map(list),
    ),
    st.tuples(st.sampled_from(["eth_blockNumber", 'we"ird']), st.just([])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CALL, min_size=1, max_size=6), st.data())
def test_mixed_batch_is_written_as_the_json_module_writes_it(
    calls: list[tuple[str, list[Any]]], data: st.DataObject
) -> None:
    lo = data.draw(st.integers(0, len(calls) - 1))
    hi = data.draw(st.integers(lo + 1, len(calls)))
    assert _encode_batch(calls, lo, hi) == _reference_batch(calls, lo, hi)


def _slow_token_words(results: list[Any]) -> list[int | None]:
    out: list[int | None] = []
    for r in results:
        if isinstance(r, RpcResponseError):
            out.append(None)
        elif isinstance(r, BaseException):
            raise r
        else:
            raw = hex_to_bytes(r)
            out.append(int.from_bytes(raw[:32], "big") if len(raw) >= 32 else None)
    return out


_WORD = st.integers(0, 2**256 - 1).map(lambda v: "0x" + v.to_bytes(32, "big").hex())
_ANSWER = st.one_of(
    _WORD,
    _WORD.map(str.upper).map(lambda s: "0x" + s[2:]),
    st.sampled_from(["0x", "0x00", "0x" + "00" * 40]),  # short, and longer than one word
    st.builds(lambda: RpcResponseError("eth_call: execution reverted", code=3)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ANSWER, max_size=8))
def test_token_words_equal_the_per_answer_decoder(results: list[Any]) -> None:
    assert bal._token_words(results) == _slow_token_words(results)


def test_token_words_refuse_what_the_bulk_check_must_not_take() -> None:
    word = "0x" + "00" * 31 + "07"
    for odd in (
        "0x" + "00" * 30 + " 0007",  # whitespace fromhex would skip
        "0x0x" + "00" * 31,  # an inner 0x, same length
        "0x" + "0g" * 32,  # not hex
    ):
        with pytest.raises(ValueError):
            bal._token_words([word, odd])
    assert bal._token_words([word, word]) == [7, 7]
    with pytest.raises(RpcTimeoutError):
        bal._token_words([word, RpcTimeoutError("t")])
