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
from eth_abi.abi import encode as abi_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from interop.actions import balances as bal
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import RpcResponseError, RpcTimeoutError
from interop.rpc.base import EthCallBatch
from interop.rpc.http import _encode_batch
from interop.rpc.mock import MockTransport
from interop.rpc.models import HexStr
from interop.types import hex_to_bytes

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
CHAIN = Chain(id=31337, name="unit", contracts={"multicall3": MULTICALL3})


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000])
def test_multicall3_hex_is_the_hex_of_the_abi_calldata(n: int) -> None:
    packed = os.urandom(20 * n)
    got = bal._multicall3_hex(MULTICALL3, packed, n)
    assert type(got) is HexStr
    assert got == HexStr(bal.encode_multicall3_balances(MULTICALL3, packed))
    # and both are eth-abi's encoding of Multicall3 `aggregate((address,bytes)[])`
    arg = [
        (MULTICALL3, bal._SEL_GET_ETH_BALANCE + bytes(12) + packed[20 * k : 20 * k + 20])
        for k in range(n)
    ]
    assert got == "0x" + (bal._SEL_AGGREGATE + abi_encode(["(address,bytes)[]"], [arg])).hex()
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_S, _S), min_size=1, max_size=6), _S, st.data())
def test_eth_call_batch_is_written_as_the_json_module_writes_its_calls(
    pairs: list[tuple[str, str]], block: str, data: st.DataObject
) -> None:
    batch = EthCallBatch([t for t, _ in pairs], [d for _, d in pairs], block)
    calls = [("eth_call", [{"to": t, "data": d}, block]) for t, d in pairs]
    assert [(m, list(p)) for m, p in batch] == calls
    lo = data.draw(st.integers(0, len(calls) - 1))
    hi = data.draw(st.integers(lo + 1, len(calls)))
    assert _encode_batch(batch, lo, hi) == _reference_batch(calls, lo, hi)
    part = batch[lo:hi]
    assert type(part) is EthCallBatch and len(part) == hi - lo
    assert part[0] == ("eth_call", ({"to": pairs[lo][0], "data": pairs[lo][1]}, block))


def test_eth_call_batch_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        EthCallBatch(["0x01"], [], "latest")


async def test_records_batch_reads_natives_and_tokens_at_one_block() -> None:
    native, token, bad = bytes(20), bytes.fromhex("11" * 20), bytes.fromhex("22" * 20)
    holders = [bytes([i]) * 20 for i in range(1, 4)]
    calls: list[tuple[str, list[Any]]] = []

    def node(method: str, params: list[Any]) -> Any:
        calls.append((method, params))
        if method == "eth_blockNumber":
            return "0x10"
        if method == "eth_getBalance":
            return hex(int(params[0][-2:], 16) * 1000)
        assert method == "eth_call"
        if params[0]["to"] == "0x" + bad.hex():
            raise RpcResponseError("eth_call: execution reverted", code=3)
        return "0x" + (int(params[0]["data"][-2:], 16) * 7).to_bytes(32, "big").hex()

    client = ChainClient(CHAIN, MockTransport(node), owns_transport=True)
    records = bal.encode_records([native, token, bad], b"".join(holders))
    got = await bal._rec_batch(client, records, "latest")
    assert got == [1000, 7, None, 2000, 14, None, 3000, 21, None]
    assert calls[0][0] == "eth_blockNumber"  # two requests: pinned first
    assert {p[-1] for m, p in calls[1:]} == {"0x10"}
    # tokens only: one request, no pin
    calls.clear()
    assert await bal._rec_batch(client, bal.encode_records([token], holders[0]), "latest") == [7]
    assert [m for m, _ in calls] == ["eth_call"]
