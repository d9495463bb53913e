"""The transport's fast JSON paths write and read exactly what the JSON module would.

`_params_json` / `_encode_batch` skip the JSON encoder when no string needs escaping, and
`_quick_results` / `_plain_results` read a batch answer without walking it object by object.
Each is checked here against the plain path it replaces, on generated input that includes the
cases that must fall back (quotes, backslashes, control and non-ASCII characters, empty
params, bools as ids, gaps, errors, another key order).
"""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interop import speedups
from interop.errors import RpcResponseError
from interop.rpc import HexStr, MockTransport, UniformBatch
from interop.rpc.http import (
    _check_batch,
    _encode,
    _encode_batch,
    _method_json,
    _params_json,
    _plain_results,
    _quick_results,
    _quick_single,
    _slots,
    error_from_response,
)

# strings that need no escaping, and strings that do
_TEXT = st.one_of(
    st.text(alphabet="0123456789abcdefxABCDEF", max_size=50),
    st.text(max_size=12),
    st.sampled_from(['a"b', "a\\b", "\x00", "\x1f", "\x7f", "é", "latest", "", "0x", "\u2028"]),
)
_SCALAR = st.one_of(
    _TEXT,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.booleans(),
    st.none(),
    st.binary(max_size=8),
    st.binary(max_size=8).map(HexStr),
)
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(_TEXT, inner, max_size=4),
    ),
    max_leaves=6,
)


def reference_params(p: Any) -> str:
    """What the transport wrote before the fast path: the JSON encoder on list(p)."""
    return _encode(list(p))


def reference_batch(calls: Any, lo: int, hi: int) -> bytes:
    parts = [
        f'{{"jsonrpc":"2.0","id":{i},"method":{_method_json(calls[i][0])},'
        f'"params":{reference_params(calls[i][1])}}}'
        for i in range(lo, hi)
    ]
    return ("[" + ",".join(parts) + "]").encode()


@settings(max_examples=60, deadline=None)
@given(st.lists(_VALUE, max_size=4))
def test_params_json_equals_the_encoder(params: list[Any]) -> None:
    assert _params_json(params) == reference_params(params)
    assert _params_json(tuple(params)) == reference_params(params)


def test_params_json_odd_sequences_and_values() -> None:
    # a str or a dict as params is iterated, as list() does; floats and sets go to the encoder
    for p in ("abc", {"a": 1, "b": 2}, [1.5, float("inf")], [{1: "int key"}], [[[]]], []):
        assert _params_json(p) == reference_params(p)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _params_json([{1, 2}])


def test_hexstr_is_hex_of_bytes_and_survives_copy_and_pickle() -> None:
    h = HexStr(b"\x00\xab\xff")
    assert h == "0x00abff" and isinstance(h, str)
    assert copy.deepcopy(h) == h and type(copy.deepcopy(h)) is HexStr
    assert pickle.loads(pickle.dumps(h)) == h
    assert json.dumps([h]) == '["0x00abff"]'
    with pytest.raises(TypeError):
        HexStr("0x12")  # type: ignore[arg-type]  # only bytes: an instance is hex by construction


_STR_PARAMS = st.lists(_TEXT, max_size=3)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["eth_getBalance", "eth_getCode", 'we"ird', "x\\y"]),
    st.lists(_STR_PARAMS, min_size=1, max_size=8),
    st.data(),
)
def test_encode_batch_same_method_equals_per_call(
    method: str, params: list[list[str]], data: st.DataObject
) -> None:
    calls = [(method, p) for p in params]
    lo = data.draw(st.integers(0, len(calls) - 1))
    hi = data.draw(st.integers(lo + 1, len(calls)))
    assert _encode_batch(calls, lo, hi) == reference_batch(calls, lo, hi)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.lists(_SCALAR, max_size=3)),
        min_size=1,
        max_size=4,
    )
)
def test_encode_batch_mixed_calls_equals_per_call(calls: list[tuple[str, list[Any]]]) -> None:
    assert _encode_batch(calls, 0, len(calls)) == reference_batch(calls, 0, len(calls))


@settings(max_examples=40, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=8), st.lists(_TEXT, max_size=2), st.data())
def test_uniform_batch_encodes_as_its_calls(
    args: list[str], rest: list[str], data: st.DataObject
) -> None:
    ub = UniformBatch("eth_getBalance", args, rest)
    calls = list(ub)
    assert calls == [("eth_getBalance", (a, *rest)) for a in args]
    assert [ub[i] for i in range(len(ub))] == calls and list(ub[1:]) == calls[1:]
    lo = data.draw(st.integers(0, len(args) - 1))
    hi = data.draw(st.integers(lo + 1, len(args)))
    assert _encode_batch(ub, lo, hi) == reference_batch(calls, lo, hi)


async def test_uniform_batch_through_a_plain_transport() -> None:
    mock = MockTransport({"eth_getBalance": lambda p: hex(len(p[0]))})
    assert await mock.batch(UniformBatch("eth_getBalance", ["0x1", "0x123"], ["latest"])) == [
        "0x3",
        "0x5",
    ]


# --- reading batch answers -------------------------------------------------------------------


def reference_results(data: Any, lo: int, hi: int) -> list[Any] | None:
    """What `_chunk` made of an answer before the fast paths: None if `_check_batch` would
    retry it (or keep it only as a last answer)."""
    try:
        checked = _check_batch(data, lo, hi)
    except Exception:
        return None
    if isinstance(checked, dict):
        return None
    out: list[Any] = [None] * (hi - lo)
    seen = [False] * (hi - lo)
    for k, item in _slots(checked, lo, hi):
        e = item.get("error")
        if e is None:
            if "result" in item:
                out[k - lo], seen[k - lo] = item["result"], True
        else:
            out[k - lo], seen[k - lo] = error_from_response(e, "m"), True
    return out if all(seen) else None


_RESULT = st.one_of(
    st.text(alphabet="0123456789abcdefx", max_size=12),
    st.text(max_size=6),
    st.none(),
    st.integers(0, 5),
    st.lists(st.integers(0, 3), max_size=2),
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[Any, int, int]:
    lo = draw(st.integers(0, 3))
    n = draw(st.integers(1, 6))
    items: list[Any] = []
    for i in range(lo, lo + n):
        item: dict[str, Any] = {"jsonrpc": "2.0", "id": i, "result": draw(_RESULT)}
        twist = draw(st.integers(0, 12))
        if twist == 1:
            item["id"] = draw(st.sampled_from([True, float(i), str(i), None, i + 100]))
        elif twist == 2:
            del item["result"]
        elif twist == 3:
            item["error"] = {"code": -32000, "message": "execution reverted"}
        elif twist == 4:
            item = {"result": item["result"], "id": item["id"], "jsonrpc": "2.0"}
        elif twist == 5:
            item["error"] = None
        items.append(item)
    if draw(st.integers(0, 8)) == 1:
        items.reverse()
    if draw(st.integers(0, 8)) == 1:
        items.append(draw(st.sampled_from([1, "x", None, {"id": lo}])))
    return items, lo, lo + n


@settings(max_examples=150, deadline=None)
@given(answers(), st.sampled_from(["compact", "spaced", "newline"]))
def test_quick_and_plain_results_agree_with_the_full_check(
    case: tuple[Any, int, int], layout: str
) -> None:
    data, lo, hi = case
    want = reference_results(data, lo, hi)
    plain = _plain_results(data, lo, hi)
    if plain is not None:
        assert plain == want
    if layout == "compact":
        raw = json.dumps(data, separators=(",", ":")).encode()
    elif layout == "spaced":
        raw = json.dumps(data).encode()
    else:
        raw = json.dumps(data, separators=(",", ":")).encode() + b"\n"
    quick = _quick_results(raw, lo, hi)
    if quick is not None:
        assert quick.values == want
        assert quick.values == [d["result"] for d in json.loads(raw)]


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.text(alphabet="0123456789abcdef", min_size=0, max_size=300).map(lambda h: "0x" + h),
        st.binary(max_size=60),
    ),
    st.integers(0, 12),
    st.sampled_from([b"", b"\n", b" \r\n", b"\x0b", b" x"]),
    st.booleans(),
)
def test_quick_single_in_c_takes_exactly_what_the_python_path_takes(
    result: str | bytes, rid: int, trail: bytes, raw_bytes: bool
) -> None:
    """Strings of any characters (escaped by json.dumps or, with `raw_bytes`, written as they
    are: control characters, quotes, bytes >= 0x80 inside the frame, where a 16-byte step of
    the C scan may stop on any of its positions)."""
    if isinstance(result, bytes):
        raw = b'{"jsonrpc":"2.0","id":%d,"result":"%s"}' % (rid, result) + trail
    elif raw_bytes:
        raw = b'{"jsonrpc":"2.0","id":%d,"result":"%s"}' % (rid, result.encode()) + trail
    else:
        raw = json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}).encode() + trail
        raw = raw.replace(b", ", b",").replace(b": ", b":")
    with_c = _quick_single(raw, rid)
    saved, speedups.native = speedups.native, None
    try:
        without = _quick_single(raw, rid)
    finally:
        speedups.native = saved
    assert with_c == without
    if with_c is not None:
        assert with_c == json.loads(raw)


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
@settings(max_examples=150, deadline=None)
@given(answers(), st.sampled_from(["compact", "spaced", "newline"]))
def test_quick_results_in_c_take_exactly_what_the_python_path_takes(
    case: tuple[Any, int, int], layout: str
) -> None:
    data, lo, hi = case
    raw = json.dumps(data, separators=(",", ":") if layout != "spaced" else None).encode()
    raw += b"\n" if layout == "newline" else b""
    with_c = _quick_results(raw, lo, hi)
    saved, speedups.native = speedups.native, None
    try:
        without = _quick_results(raw, lo, hi)
    finally:
        speedups.native = saved
    assert (with_c is None) == (without is None)
    if with_c is not None and without is not None:
        assert with_c.values == without.values


def test_quick_results_reads_the_usual_answer_and_refuses_the_rest() -> None:
    ok = b'[{"jsonrpc":"2.0","id":7,"result":"0x1"},{"jsonrpc":"2.0","id":8,"result":"0x"}]\n'
    got = _quick_results(ok, 7, 9)
    assert got is not None and got.values == ["0x1", "0x"]
    for bad in (
        ok.replace(b"0x1", b"0x\\u0031"),  # an escape: the JSON path decodes it
        ok.replace(b"0x1", b"0x\x01"),  # a control character: not JSON at all
        ok.replace(b'"id":8', b'"id":9'),
        ok.replace(b'"result":"0x"', b'"error":{"code":1,"message":"x"}'),
        ok[:-3],
        b" " + ok,
    ):
        assert _quick_results(bad, 7, 9) is None


def test_error_slots_still_come_back_as_errors() -> None:
    data = [
        {"jsonrpc": "2.0", "id": 0, "result": "0x1"},
        {"jsonrpc": "2.0", "id": 1, "error": {"code": 3, "message": "execution reverted"}},
    ]
    assert _plain_results(data, 0, 2) is None
    assert _quick_results(json.dumps(data, separators=(",", ":")).encode(), 0, 2) is None
    ref = reference_results(data, 0, 2)
    assert ref is not None and isinstance(ref[1], RpcResponseError)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(_RESULT, st.text(alphabet="0123456789abcdefx", min_size=200, max_size=400)),
    st.integers(0, 3),
    st.sampled_from([b"", b"\n", b" \r\n", b"\x0b"]),
)
def test_quick_single_equals_json_loads(result: Any, rid: int, trail: bytes) -> None:
    for doc in (
        {"jsonrpc": "2.0", "id": rid, "result": result},
        {"jsonrpc": "2.0", "result": result, "id": rid},
        {"jsonrpc": "2.0", "id": rid, "error": {"code": 3, "message": "reverted"}},
    ):
        raw = json.dumps(doc, separators=(",", ":")).encode() + trail
        got = _quick_single(raw, rid)
        if got is not None:
            assert got == json.loads(raw)
        else:
            # only the frame we know is read quickly, but every hex string in it is
            usual = list(doc)[1] == "id" and "result" in doc and trail != b"\x0b"
            assert not (usual and type(result) is str and set(result) <= set("0123456789abcdefx"))
    assert _quick_single(b'{"jsonrpc":"2.0","id":1,"result":"0x1"}', 2) is None  # not ours
