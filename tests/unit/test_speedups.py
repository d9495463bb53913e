"""interop's optional C module (`interop/_speedups.c`, loaded and checked by `interop.speedups`)
and the paths that stand in for it.

EIP-55 checksumming has three keccak paths (`interop.types._select_hash_prefixes`): the C
module, one reaching into pycryptodome's
private keccak state (3x faster in bulk than the public API), and one through the public API.
Each fast one is used only when it checks out at import; these tests hand the selectors modules
that differ the ways a broken build or a future release could (no such function, another pointer
type, another state layout, another answer) and check that each selects a slower path and that
every path gives eth-utils' checksums. The C module's digests are checked against published
keccak-256 values and, over every length up to three blocks, against pycryptodome's; its hex
words against `int(word, 16)`."""

from __future__ import annotations

import ctypes
import json
import os
import random
import types
from typing import Any

import pytest
from Crypto.Hash import keccak as real
from eth_utils import to_checksum_address

from interop import speedups
from interop import types as T


def _bodies(n: int) -> tuple[list[str], bytes]:
    lower = [os.urandom(20).hex() for _ in range(n)] + ["00" * 20, "ff" * 20]
    return lower, "".join(lower).encode("ascii")


def _checksums(prefixes: Any, lower: list[str], bodies: bytes) -> list[str]:
    saved = T._hash_prefixes
    T._hash_prefixes = prefixes
    try:
        done = T.checksum_bodies(bodies)
    finally:
        T._hash_prefixes = saved
    return ["0x" + done[i : i + 40] for i in range(0, len(done), 40)]


def test_the_fast_path_is_used_and_agrees_with_eth_utils() -> None:
    # `make setup` builds the C module (hatch_build.py); INTEROP_NO_NATIVE=1 opts out
    want_path = "pycryptodome-state" if os.environ.get("INTEROP_NO_NATIVE") else "native"
    assert T.hash_prefixes_path() == want_path
    lower, bodies = _bodies(500)
    want = [to_checksum_address("0x" + b) for b in lower]
    assert _checksums(T._hash_prefixes, lower, bodies) == want
    assert _checksums(T._make_hash_prefixes(), lower, bodies) == want  # pycryptodome's state
    assert _checksums(T._portable_prefixes, lower, bodies) == want
    assert [T.to_address("0x" + b) for b in lower] == want


# Published keccak-256 digests (the empty string and "abc" from the Keccak team's test vectors
# as Ethereum uses them; the pangram's is the one quoted across Ethereum's documentation).
PUBLISHED = [
    (b"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
    (b"abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
    (
        b"The quick brown fox jumps over the lazy dog",
        "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15",
    ),
]


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
def test_the_c_module_gives_published_digests_and_pycryptodomes_at_every_length() -> None:
    native = speedups.native
    for data, digest in PUBLISHED:
        assert native.digest(data).hex() == digest
        assert T.keccak256(data).hex() == digest
    rng = random.Random(55)
    for n in range(0, 3 * 136 + 2):  # 0, 1, ..., across the 136-byte block edges
        data = rng.randbytes(n)
        assert native.digest(data) == real.new(digest_bits=256, data=data).digest(), n
    for width, keep in ((40, 20), (1, 32), (136, 0), (137, 7), (64, 32)):
        run = rng.randbytes(width * 9)
        want = b"".join(
            real.new(digest_bits=256, data=run[i : i + width]).digest()[:keep]
            for i in range(0, len(run), width)
        )
        assert native.prefixes(run, width, keep) == want
    for bad in ((b"x" * 41, 40, 20), (b"x" * 40, 0, 20), (b"x" * 40, 40, 33), (b"", 40, -1)):
        with pytest.raises(ValueError):
            native.prefixes(*bad)
    with pytest.raises(TypeError):
        native.digest("text")  # type: ignore[arg-type]


def _words(text: str, start: int, count: int) -> list[int]:
    body = text[start:]
    if len(body) != 64 * count or not set(body) <= set("0123456789abcdefABCDEF"):
        raise ValueError("not hex words")
    return [int(body[i : i + 64], 16) for i in range(0, len(body), 64)]


_LOWER_HEX = frozenset(b"0123456789abcdef")


def _checksum_keys(bodies: bytes) -> list[str]:
    """What `checksum_keys` must answer, from eth-utils."""
    if len(bodies) % 40 or not set(bodies) <= _LOWER_HEX:
        raise ValueError("not lower-case bodies")
    return [to_checksum_address(bodies[i : i + 40].decode()) for i in range(0, len(bodies), 40)]


def _address_bodies(items: Any) -> tuple[str, bytes, bool] | None:
    """What `address_bodies` must answer."""
    hexchars = set("0123456789abcdefABCDEF")
    for a in items:
        if type(a) is not str or len(a) != 42 or a[:2] != "0x" or not set(a[2:]) <= hexchars:
            return None
    lower = "".join(a[2:].lower() for a in items)
    return lower, bytes.fromhex(lower), any(a[2:] != a[2:].lower() for a in items)


def _quantities(items: list[Any]) -> list[int] | None:
    """What `quantities` must answer."""
    ok = all(
        type(q) is str and q[:2] in ("0x", "0X") and 0 < len(q) - 2 <= 64 and set(q[2:]) <= _HEX
        for q in items
    )
    return [int(q, 16) for q in items] if ok else None


_HEX = set("0123456789abcdefABCDEF")


def _batch_strings(raw: bytes, lo: int, hi: int) -> list[str] | None:
    """What `batch_strings` must answer: the results when the body is exactly the usual shape
    (what `json.loads` reads as these strings, written back the same way), else None."""
    try:
        data = json.loads(raw)
        values = [item["result"] for item in data]
    except (ValueError, TypeError, KeyError):
        return None
    same = [
        {"jsonrpc": "2.0", "id": k, "result": v}
        for k, v in zip(range(lo, hi), values, strict=False)
    ]
    if len(values) != hi - lo or json.dumps(same, separators=(",", ":")).encode() != raw.rstrip(
        b" \t\n\r"
    ):
        return None
    if not all(v.isascii() and v.isprintable() and not set(v) & {'"', "\\"} for v in values):
        return None  # JSON decoded an escape: not the body as it is
    return values


def _single_string(raw: bytes, rid: int) -> str | None:
    """What `single_string` must answer: `_batch_strings`'s rule for one answer."""
    inner = raw.rstrip(b" \t\n\r")
    if inner[:1] != b"{" or inner[-1:] != b"}":
        return None
    got = _batch_strings(b"[" + inner + b"]", rid, rid + 1)
    return None if got is None else got[0]


def _native_like(**replace: Any) -> types.SimpleNamespace:
    module = speedups.native or types.SimpleNamespace(
        digest=lambda d: real.new(digest_bits=256, data=d).digest(),
        prefixes=lambda d, w, k: T._portable_prefixes(d),
        hex_words=_words,
        checksum_keys=_checksum_keys,
        address_bodies=_address_bodies,
        quantities=_quantities,
        batch_strings=_batch_strings,
        single_string=_single_string,
    )
    names = (
        "digest",
        "prefixes",
        "hex_words",
        "checksum_keys",
        "address_bodies",
        "quantities",
        "batch_strings",
        "single_string",
    )
    return types.SimpleNamespace(**{n: replace.get(n) or getattr(module, n) for n in names})


def test_a_module_like_the_real_one_passes_the_checks() -> None:
    assert speedups.load(_native_like()) is not None


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(types.SimpleNamespace(), id="no-functions"),
        pytest.param(_native_like(digest=lambda d: bytes(32)), id="wrong-digest"),
        pytest.param(
            _native_like(digest=lambda d: real.new(digest_bits=256, data=d[:136]).digest()),
            id="first-block-only",
        ),
        pytest.param(_native_like(prefixes=lambda d, w, k: bytes(len(d) // 2)), id="wrong-run"),
        pytest.param(_native_like(prefixes=lambda d, w, k: 1 / 0), id="raising"),
        pytest.param(
            _native_like(hex_words=lambda t, s, c: [v % 2**64 for v in _words(t, s, c)]),
            id="words-cut-to-64-bits",
        ),
        pytest.param(
            _native_like(hex_words=lambda t, s, c: [*_words(t.lower(), s, c)[:-1], 0]),
            id="last-word-lost",
        ),
        pytest.param(
            # right on good input, but pads a short word instead of refusing it
            _native_like(hex_words=lambda t, s, c: _words(t.ljust(s + 64 * c, "0"), s, c)),
            id="pads-short-input",
        ),
        pytest.param(types.SimpleNamespace(digest=real.new), id="no-hex-words"),
        pytest.param(
            _native_like(quantities=lambda q: [v % 2**64 for v in _quantities(q) or []]),
            id="quantities-cut-to-64-bits",
        ),
        pytest.param(
            _native_like(quantities=lambda q: _quantities([x.strip() for x in q])),
            id="quantities-strip-spaces",
        ),
        pytest.param(
            _native_like(batch_strings=lambda raw, lo, hi: _batch_strings(raw, lo, hi - 1)),
            id="batch-last-string-lost",
        ),
        pytest.param(
            _native_like(
                batch_strings=lambda raw, lo, hi: [
                    item["result"] for item in json.loads(raw[: raw.rfind(b"]") + 1])
                ]
            ),
            id="batch-any-json",
        ),
        pytest.param(
            _native_like(single_string=lambda raw, rid: _single_string(raw, rid - 1)),
            id="single-other-id",
        ),
        pytest.param(
            _native_like(
                single_string=lambda raw, rid: (
                    json.loads(raw).get("result") if raw.startswith(b"{") else None
                )
            ),
            id="single-any-json",
        ),
        pytest.param(
            # right but for a stop in the last 8 bytes of a 16-byte step
            _native_like(
                single_string=lambda raw, rid: _single_string(
                    raw[:43] + b"0" * len(raw[43:51]) + raw[51:] if len(raw) > 60 else raw, rid
                )
            ),
            id="single-misses-a-stop",
        ),
        pytest.param(
            _native_like(checksum_keys=lambda b: ["0x" + k[2:].lower() for k in _checksum_keys(b)]),
            id="keys-not-checksummed",
        ),
        pytest.param(
            # right for a group of four, wrong for the rest (a four-way path's remainder)
            _native_like(checksum_keys=lambda b: _checksum_keys(b[:160]) + _checksum_keys(b[:40])),
            id="keys-remainder-wrong",
        ),
        pytest.param(
            _native_like(checksum_keys=lambda b: _checksum_keys(b.lower())),
            id="keys-accept-upper-case",
        ),
        pytest.param(
            _native_like(address_bodies=lambda items: _address_bodies(items[:1])),
            id="bodies-of-the-first-only",
        ),
        pytest.param(
            _native_like(
                address_bodies=lambda items: _address_bodies(
                    [a.decode() if isinstance(a, bytes) else a for a in items]
                )
            ),
            id="bodies-accept-bytes",
        ),
        pytest.param(
            _native_like(address_bodies=lambda items: (*_address_bodies(items)[:2], False)),  # type: ignore[index]
            id="bodies-miss-upper-case",
        ),
    ],
)
def test_a_c_module_that_does_not_check_out_is_not_used(module: Any) -> None:
    assert speedups.load(module) is None
    chosen = T._select_hash_prefixes(speedups.load(module))
    assert not hasattr(chosen, "_native")
    lower, bodies = _bodies(50)
    assert _checksums(chosen, lower, bodies) == [to_checksum_address("0x" + b) for b in lower]


class _Holder:
    """A keccak object whose private state pointer is what `state` says."""

    def __init__(self, state: Any, keep: Any = None) -> None:
        self._state = types.SimpleNamespace(get=lambda: state)
        self._keep = keep

    def update(self, data: bytes) -> None:
        pass


def _module(**attrs: Any) -> types.SimpleNamespace:
    return types.SimpleNamespace(**attrs)


def _wrong_answers() -> types.SimpleNamespace:
    """The real state and layout, but a `keccak_digest` that answers something else."""

    def digest(state: Any, out: Any, size: Any, pad: Any) -> int:
        ctypes.memset(out, 0x5A, 32)
        return 0

    return _module(new=real.new, _raw_keccak_lib=_module(keccak_digest=digest))


def _other_layout() -> types.SimpleNamespace:
    """A state whose buffered input is not where pycryptodome 3 keeps it."""
    block = ctypes.create_string_buffer(512)
    ptr = ctypes.c_void_p(ctypes.addressof(block))
    return _module(new=lambda **kw: _Holder(ptr, keep=block), _raw_keccak_lib=real._raw_keccak_lib)


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(_module(), id="no-new"),
        pytest.param(_module(new=lambda **kw: _Holder(object())), id="cffi-like-pointer"),
        pytest.param(_module(new=lambda **kw: _Holder(ctypes.c_void_p())), id="null-pointer"),
        pytest.param(_other_layout(), id="other-layout"),
        pytest.param(_module(new=real.new), id="no-raw-lib"),
        pytest.param(_wrong_answers(), id="wrong-answers"),
    ],
)
def test_anything_unexpected_selects_the_portable_path(module: Any) -> None:
    chosen = T._make_hash_prefixes(module)
    assert chosen is T._portable_prefixes
    lower, bodies = _bodies(50)
    assert _checksums(chosen, lower, bodies) == [to_checksum_address("0x" + b) for b in lower]


def test_the_real_module_passes_the_checks() -> None:
    assert T._make_hash_prefixes(real) is not T._portable_prefixes


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
def test_the_c_module_reads_hex_words_as_int_does_and_refuses_anything_else() -> None:
    native = speedups.native
    rng = random.Random(64)
    for _ in range(200):
        count = rng.randrange(0, 12)
        words = [
            rng.choice([0, 1, rng.getrandbits(64), rng.getrandbits(65), rng.getrandbits(256)])
            for _ in range(count)
        ]
        text = "0x" + "".join(f"{w:064x}" for w in words)
        if rng.random() < 0.3:
            text = text.upper().replace("0X", "0x")
        assert native.hex_words(text, 2, count) == words
        assert native.hex_words("0x00" + text[2:], 4, count) == words
    good = "0x" + "0" * 63 + "1"
    for text, start, count in [
        (good, 2, 2),  # too short for count
        (good + "0", 2, 1),  # too long
        (good, 3, 1),  # misaligned
        ("0x" + "0" * 63 + "g", 2, 1),
        ("0x" + "0" * 63 + ":", 2, 1),  # the character after "9"
        ("0x" + "0" * 63 + "`", 2, 1),  # the character before "a"
        ("0x" + "0" * 62 + "é1", 2, 1),  # not ASCII
        (good, -1, 1),
        (good, 2, -1),
    ]:
        with pytest.raises(ValueError):
            native.hex_words(text, start, count)
    with pytest.raises(TypeError):
        native.hex_words(b"0x00", 2, 0)  # type: ignore[arg-type]


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
def test_the_c_module_checksums_runs_of_addresses_as_eth_utils_does() -> None:
    # counts around the groups of four the AVX2 path hashes together, and its remainders
    native = speedups.native
    for n in (*range(0, 10), 63, 64, 65, 1001):
        lower, bodies = _bodies(n)
        assert native.checksum_keys(bodies) == _checksum_keys(bodies), n
        assert T.checksum_keys(bodies) == [to_checksum_address("0x" + b) for b in lower]
    good = b"ab" * 20
    for bad in (good[:-1], good + b"a", b"A" * 40, b"g" * 40, b"0x" + good[2:], b"\xe9" * 40):
        with pytest.raises(ValueError):
            native.checksum_keys(bad)
        with pytest.raises(ValueError):
            native.checksum_keys(good * 5 + bad)  # refused wherever it is in the run
    with pytest.raises(TypeError):
        native.checksum_keys("ab" * 20)  # type: ignore[arg-type]


def test_checksum_keys_without_the_c_module_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(T, "_native", None)
    lower, bodies = _bodies(9)
    assert T.checksum_keys(bodies) == [to_checksum_address("0x" + b) for b in lower]


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
def test_the_c_module_reads_address_lists_or_declines_anything_unusual() -> None:
    native = speedups.native
    rng = random.Random(42)
    lower, _ = _bodies(30)
    for _ in range(50):
        items = [
            "0x" + (b.upper() if rng.random() < 0.1 else to_checksum_address("0x" + b)[2:])
            if rng.random() < 0.3
            else "0x" + b
            for b in rng.sample(lower, rng.randrange(0, 30))
        ]
        assert native.address_bodies(items) == _address_bodies(items)
        assert native.address_bodies(tuple(items)) == _address_bodies(items)
    ok = "0x" + lower[0]
    unusual: list[Any] = [
        "0x" + lower[0][:-1],
        ok + "0",
        "0X" + lower[0],
        " " + ok[:-1],
        "0x" + lower[0][:-1] + "g",
        "0x" + lower[0][:-1] + "é",
        ok.encode(),
        bytearray(20),
        None,
        type("Str", (str,), {})(ok),  # a str subclass: the Python path decides
    ]
    for odd in unusual:
        assert native.address_bodies([ok, odd]) is None, odd
        assert native.address_bodies([odd]) is None, odd
    with pytest.raises(TypeError):
        native.address_bodies(iter([ok]))  # type: ignore[arg-type]


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
def test_the_c_module_reads_quantities_as_int_does_or_declines() -> None:
    native = speedups.native
    rng = random.Random(16)
    for _ in range(200):
        values = [rng.choice([0, 1, rng.getrandbits(64), rng.getrandbits(256)]) for _ in range(9)]
        texts = [(f"{v:#x}" if rng.random() < 0.7 else f"0X{v:X}") for v in values]
        assert native.quantities(texts) == values
    padded = "0x" + "0" * 63 + "7"  # 64 digits: the most it reads
    assert native.quantities([padded]) == [7]
    for odd in ("0x", "x1", "0x" + "1" * 65, "0x1g", "0x 1", "0x1\n", "0x1_0", "0x\u0661", 1, None):
        assert native.quantities(["0x1", odd]) is None, odd
    with pytest.raises(TypeError):
        native.quantities(("0x1",))  # type: ignore[arg-type]


def _batch_body(lo: int, values: list[str]) -> bytes:
    items = [{"jsonrpc": "2.0", "id": lo + k, "result": v} for k, v in enumerate(values)]
    return json.dumps(items, separators=(",", ":")).encode()


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
def test_the_c_module_reads_one_usual_answer_as_json_does_or_declines() -> None:
    native = speedups.native
    rng = random.Random(29)
    for _ in range(200):
        rid = rng.randrange(0, 10**9)
        value = "0x" + rng.randbytes(rng.randrange(0, 300)).hex()
        body = json.dumps({"jsonrpc": "2.0", "id": rid, "result": value}, separators=(",", ":"))
        raw = body.encode() + rng.choice([b"", b"\n", b" \r\n"])
        assert native.single_string(raw, rid) == value == _single_string(raw, rid)
        # any character that JSON would not hold as it is, at any position of the string
        k = rng.randrange(len(value) + 1)
        for bad in ('"', "\\", "\x00", "\x1f", "\x7f", "é", "\u2028"):
            odd = (body[: 35 + len(str(rid)) + k] + bad + body[35 + len(str(rid)) + k :]).encode()
            assert native.single_string(odd, rid) is None, odd
            assert _single_string(odd, rid) is None, odd
    good = b'{"jsonrpc":"2.0","id":5,"result":"0x1"}'
    assert native.single_string(good, 5) == "0x1"
    for odd, rid in [
        (good, 4),
        (good, 50),
        (good.replace(b'"id":5', b'"id": 5'), 5),
        (good.replace(b'"result"', b'"error"'), 5),
        (good.replace(b'"id":5,', b"") + b',"id":5}', 5),
        (b" " + good, 5),
        (good + b",", 5),
        (good[:-1], 5),
        (b"[" + good + b"]", 5),
        (b"", 5),
    ]:
        assert native.single_string(odd, rid) is None, odd
        assert _single_string(odd, rid) is None, odd


@pytest.mark.skipif(speedups.native is None, reason="the optional C module is not built")
def test_the_c_module_reads_the_usual_batch_answer_as_json_does_or_declines() -> None:
    native = speedups.native
    rng = random.Random(17)
    for _ in range(100):
        lo = rng.randrange(0, 10**6)
        values = [
            f"{rng.getrandbits(rng.choice([8, 64, 256])):#x}" for _ in range(rng.randrange(1, 30))
        ]
        body = _batch_body(lo, values) + rng.choice([b"", b"\n", b" \r\n"])
        assert native.batch_strings(body, lo, lo + len(values)) == values
        assert native.batch_strings(body, lo, lo + len(values)) == _batch_strings(
            body, lo, lo + len(values)
        )
    good = _batch_body(5, ["0x1", "0x2"])
    assert native.batch_strings(_batch_body(5, ["", "text, with: ok {}[]"]), 5, 7) == [
        "",
        "text, with: ok {}[]",
    ]
    for odd, lo, hi in [
        (good, 5, 6),
        (good, 4, 6),
        (good, 6, 8),
        (_batch_body(5, ["0x1", 'a"b']), 5, 7),  # an escaped quote
        (_batch_body(5, ["0x1", "é"]), 5, 7),  # an escape (json.dumps writes \u00e9)
        (good.replace(b'"0x2"', b'"0x\x7f"'), 5, 7),
        (good.replace(b'"0x2"', b'"0x\t"'), 5, 7),
        (good.replace(b",", b", ", 1), 5, 7),
        (good.replace(b'"id":6', b'"id":6.0'), 5, 7),
        (good.replace(b'"id":6', b'"id":"6"'), 5, 7),
        (good.replace(b'"result"', b'"error"'), 5, 7),
        (b" " + good, 5, 7),
        (good + b",", 5, 7),
        (good[:-1], 5, 7),
        (b"[]", 5, 7),
        (good, -1, 1),
        (good, 7, 5),
    ]:
        assert native.batch_strings(odd, lo, hi) is None, odd
        assert _batch_strings(odd, lo, hi) is None or lo > hi or lo < 0, odd
