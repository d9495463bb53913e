"""Property-based tests (hypothesis) for every parser that takes text from users, files or the
journal: addresses in all their forms, amounts, chain files, calldata, journal rows.

Two kinds of property:
- round trips: what we format (or store) parses back to exactly the same value;
- junk in, typed error out: on arbitrary input a parser either succeeds or raises an
  `InteropError` subclass — never a bare `ValueError`, `UnicodeError`, `KeyError`,
  `json.JSONDecodeError`, `sqlite3` error... A caller (or the CLI) that catches `InteropError`
  must be able to rely on having caught everything.

Examples are kept modest (the whole module runs in a few seconds); `deadline=None` because the
shared test machine's load makes per-example timings meaningless.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import string
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from interop.adapters.base import Direction, FlowKind, FlowRef
from interop.addresses import (
    decode_interoperable_address,
    encode_interoperable_address,
    format_caip10,
    format_erc3770,
    format_readable,
    parse_address_with_chain,
    to_interoperable_address,
)
from interop.bridging import calldata_bytes
from interop.chains.loader import chain_from_dict, chain_to_dict, dump_chains, load_chains
from interop.chains.model import Chain, NativeCurrency, Stack
from interop.chains.registry import ChainRegistry, default_registry
from interop.errors import InputError, InteropError, InvalidAddressError, InvalidAmountError
from interop.journal import Journal
from interop.types import MAX_UINT256, Address, to_address, to_hash32
from interop.units import UNITS, ether, format_ether, format_units, parse_amount, parse_units

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(PROPS, max_examples=25)
"""For the examples that write files or open a database."""

REGISTRY = default_registry()
CHAINS = sorted(REGISTRY.all(), key=lambda c: c.id)
SHORT_NAMED = [c for c in CHAINS if c.short_name]

addresses = st.binary(min_size=20, max_size=20).map(to_address)
chains = st.sampled_from(CHAINS)


def only_typed(fn: Callable[[], Any]) -> None:
    """Call `fn`; success or an InteropError are fine, anything else fails with its input."""
    with contextlib.suppress(InteropError):
        fn()


# junk built from the pieces the parsers split on, so junk reaches deep into them
PIECES = [
    "0x", "0X", "@", ":", "#", ".", "eip155", "eip155:", "0001", "0000", "00", "ff", "base",
    "eth", "op", "1", "10", "8453", "0", "-", "_", " ", "\t", "\x00", "é", "٣", "²", "ß", "İ",
    "\ud7ff", "𝟘", "ether", "gwei", "wei", "e", "E", "+", "NaN", "Infinity", "1e999999999",
    "\"", "'", "{", "}", "[", "]", "=", "\n",
]  # fmt: skip
HEX = "0123456789abcdefABCDEF"
junk_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(PIECES) | st.text(alphabet=HEX, max_size=44), max_size=10).map(
        "".join
    ),
    st.builds(
        lambda a, p, k: [a + p, p + a, a[:-1] + p, a.lower() + p, f"{p}:{a}", f"{a}@{p}"][k],
        addresses,
        st.sampled_from(PIECES),
        st.integers(0, 5),
    ),
)


# ------------------------------------------------------------------------------------ addresses
class TestAddresses:
    @PROPS
    @given(addresses, chains)
    def test_every_form_round_trips(self, addr: Address, chain: Chain) -> None:
        body = addr[2:]
        for plain in (addr, "0x" + body.lower(), "0x" + body.upper(), addr.lower()):
            assert parse_address_with_chain(plain, REGISTRY) == (None, addr)
            assert parse_address_with_chain(plain, REGISTRY, chain=chain.id) == (chain, addr)
        forms = [
            format_readable(addr, chain),  # ERC-7828 with #checksum
            format_readable(addr, chain, checksum=False),
            format_caip10(addr, chain),
            "0x" + to_interoperable_address(addr, chain).hex(),  # ERC-7930
        ]
        if chain.short_name:
            forms.append(format_erc3770(addr, chain))
        for text in forms:
            found, parsed = parse_address_with_chain(text, REGISTRY)
            assert parsed == addr, text
            assert found is not None and found.id == chain.id, text
            # the chain written in the text must agree with the one asked for
            assert parse_address_with_chain(text, REGISTRY, chain=chain.id)[1] == addr

    @PROPS
    @given(addresses, chains, chains)
    def test_a_conflicting_chain_is_refused(self, addr: Address, a: Chain, b: Chain) -> None:
        assume(a.id != b.id)
        with pytest.raises(InvalidAddressError):
            parse_address_with_chain(format_caip10(addr, a), REGISTRY, chain=b.id)
        with pytest.raises(InvalidAddressError):
            parse_address_with_chain(format_readable(addr, a), REGISTRY, chain=b.id)

    @PROPS
    @given(addresses, st.data())
    def test_one_flipped_letter_breaks_the_eip55_checksum(
        self, addr: Address, data: st.DataObject
    ) -> None:
        letters = [i for i, c in enumerate(addr) if i >= 2 and c.isalpha()]
        assume(letters)
        i = data.draw(st.sampled_from(letters))
        typo = addr[:i] + addr[i].swapcase() + addr[i + 1 :]
        body = typo[2:]
        assume(body != body.lower() and body != body.upper())  # those carry no checksum
        with pytest.raises(InvalidAddressError):
            parse_address_with_chain(typo, REGISTRY)

    @PROPS
    @given(addresses, chains, st.sampled_from("0123456789ABCDEF"), st.integers(0, 7))
    def test_a_changed_erc7828_checksum_is_refused(
        self, addr: Address, chain: Chain, digit: str, pos: int
    ) -> None:
        text = format_readable(addr, chain)
        assume(text[-8:][pos] != digit)
        bad = text[: len(text) - 8 + pos] + digit + text[len(text) - 8 + pos + 1 :]
        with pytest.raises(InvalidAddressError):
            parse_address_with_chain(bad, REGISTRY)

    @PROPS
    @given(
        st.integers(0, 0xFFFF),
        st.binary(max_size=40),
        st.binary(max_size=40),
    )
    def test_erc7930_binary_round_trips(self, ctype: int, ref: bytes, addr: bytes) -> None:
        try:
            blob = encode_interoperable_address(ctype, ref, addr)
        except InvalidAddressError:
            return  # refused up front (both empty, or an eip155 rule): typed, nothing to decode
        ia = decode_interoperable_address(blob)
        assert (ia.chain_type, ia.chain_reference, ia.address) == (ctype, ref, addr)
        assert ia.to_bytes() == blob
        assert decode_interoperable_address("0x" + blob.hex()) == ia
        assert len(ia.checksum) == 8

    @PROPS
    @given(junk_text)
    @example("0x" + "0001" + "00" * 30)
    @example("²:0x" + "00" * 20)
    @example("0x" + "00" * 20 + "@eip155:²")
    @example("eip155:²:0x" + "00" * 20)
    def test_junk_text_raises_only_typed_errors(self, text: str) -> None:
        only_typed(lambda: parse_address_with_chain(text, REGISTRY))
        only_typed(lambda: parse_address_with_chain(text, REGISTRY, chain=1))
        only_typed(lambda: to_address(text))

    @PROPS
    @given(st.binary(max_size=80))
    def test_junk_erc7930_bytes_raise_only_typed_errors(self, raw: bytes) -> None:
        only_typed(lambda: decode_interoperable_address(raw))
        only_typed(lambda: parse_address_with_chain("0x" + raw.hex(), REGISTRY))

    @PROPS
    @given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.integers(), max_size=2)))
    def test_non_text_raises_only_typed_errors(self, value: Any) -> None:
        only_typed(lambda: parse_address_with_chain(value, REGISTRY))
        only_typed(lambda: to_address(value))


# ------------------------------------------------------------------------------------ amounts
class TestAmounts:
    @PROPS
    @given(st.integers(0, MAX_UINT256), st.integers(0, 36))
    def test_format_then_parse_is_exact(self, value: int, decimals: int) -> None:
        text = format_units(value, decimals)
        assert parse_units(text, decimals) == value
        assert parse_units(Decimal(text), decimals) == value

    @PROPS
    @given(st.integers(0, MAX_UINT256), st.sampled_from(sorted(UNITS)), st.sampled_from(["", " "]))
    def test_parse_amount_round_trips_every_unit(self, value: int, unit: str, sep: str) -> None:
        text = format_units(value, UNITS[unit])
        assert parse_amount(f"{text}{sep}{unit}") == value
        assert parse_amount(f"{text}{sep}{unit.upper()}") == value
        assert parse_amount(text, default_unit=unit) == value

    @PROPS
    @given(st.integers(0, MAX_UINT256))
    def test_ether_round_trip(self, wei: int) -> None:
        assert ether(format_ether(wei)) == wei

    @PROPS
    @given(st.integers(1, 10**30), st.integers(0, 30))
    def test_too_many_decimals_is_refused_not_rounded(self, value: int, decimals: int) -> None:
        text = format_units(value, decimals + 1)
        if value % 10:  # the last digit is below one base unit
            with pytest.raises(InvalidAmountError):
                parse_units(text, decimals)
        else:
            assert parse_units(text, decimals) * 10 == value

    @PROPS
    @given(junk_text, st.sampled_from(sorted(UNITS)))
    @example("1e999999999", "ether")
    @example("1E-999999999", "ether")
    @example("sNaN", "wei")
    @example("1e99999999999999999999", "wei")
    def test_junk_amounts_raise_only_typed_errors(self, text: str, unit: str) -> None:
        only_typed(lambda: parse_amount(text))
        only_typed(lambda: parse_amount(text, default_unit=unit))
        only_typed(lambda: parse_units(text, UNITS[unit]))

    @PROPS
    @given(
        st.one_of(
            st.decimals(allow_nan=True, allow_infinity=True),
            st.floats(),
            st.booleans(),
            st.none(),
            st.integers(-(2**300), 2**300),
            st.binary(max_size=4),
        ),
        st.integers(0, 36),
    )
    @example(Decimal("1E+999999"), 18)
    @example(Decimal("-0"), 18)
    def test_non_text_amounts_raise_only_typed_errors(self, value: Any, decimals: int) -> None:
        only_typed(lambda: parse_units(value, decimals))
        only_typed(lambda: parse_amount(value))


# ------------------------------------------------------------------------------------ chain files
names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20).filter(
    lambda s: s == s.strip() and bool(s)
)
urls = st.builds(
    lambda scheme, host: f"{scheme}://{host}",
    st.sampled_from(["http", "https", "ws", "wss"]),
    st.text(alphabet=string.ascii_lowercase + string.digits + ".-:/", min_size=1, max_size=20),
)
tables = st.dictionaries(names, addresses, max_size=3)


@st.composite
def chain_values(draw: st.DrawFn) -> Chain:
    return Chain(
        id=draw(st.integers(1, 2**64)),
        name=draw(names),
        stack=draw(st.sampled_from([*Stack.known(), "newrollup"])),
        parent_id=draw(st.none() | st.integers(1, 2**32)),
        native_currency=NativeCurrency(draw(names), draw(names), draw(st.integers(0, 36))),
        block_time_ms=draw(st.integers(1, 10**6)),
        rpc_urls=tuple(draw(st.lists(urls, max_size=3))),
        explorer=draw(st.none() | names),
        aliases=tuple(draw(st.lists(names, max_size=3))),
        short_name=draw(st.none() | names),
        testnet=draw(st.booleans()),
        contracts=draw(tables),
        parent_contracts=draw(st.dictionaries(st.integers(1, 2**32), tables, max_size=2)),
        source=draw(names),
    )


def _toml_str(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, except DEL must be escaped too)."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    assert isinstance(v, dict)
    return "{" + ", ".join(f"{_toml_str(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"


def to_toml(chains: list[Chain]) -> str:
    out = []
    for c in chains:
        out.append("[[chains]]")
        out += [f"{_toml_str(k)} = {_toml_value(v)}" for k, v in chain_to_dict(c).items()]
    return "\n".join(out) + "\n"


_TMP = tempfile.TemporaryDirectory(prefix="interop-props-")  # removed when the run ends


def _write(suffix: str, content: str | bytes) -> Path:
    path = Path(_TMP.name) / f"chains{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = [
    "id", "name", "stack", "parent_id", "native_currency", "block_time_ms", "rpc_urls",
    "explorer", "aliases", "short_name", "testnet", "contracts", "parent_contracts", "source",
    "extends", "override",
]  # fmt: skip
field_values = st.one_of(
    json_values,
    addresses,
    st.sampled_from(["opstack", "arbitrum", "l1", "base", "ethereum", 1, 10, 8453]),
    st.dictionaries(st.text(max_size=6) | st.sampled_from(["1", "²", "١", " 1", "0"]), tables),
)
chain_entries = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=6), field_values, max_size=8
)


class TestChainFiles:
    @FEWER
    @given(st.lists(chain_values(), min_size=1, max_size=3, unique_by=lambda c: c.id))
    def test_json_and_toml_round_trip(self, values: list[Chain]) -> None:
        empty = ChainRegistry()
        for path in (_write(".json", dump_chains(values)), _write(".toml", to_toml(values))):
            loaded = load_chains(path, base=empty)
            assert [chain_to_dict(c) for c in loaded] == [chain_to_dict(c) for c in values], path
        for c in values:
            assert chain_from_dict(chain_to_dict(c), source=c.source) == c

    @FEWER
    @given(st.binary(max_size=200), st.sampled_from([".json", ".toml"]))
    @example(b"\xff\xfe{}", ".json")
    @example(b'chains = [{id = 1, name = "\xc3"}]', ".toml")
    def test_junk_bytes_raise_only_typed_errors(self, raw: bytes, suffix: str) -> None:
        path = _write(suffix, raw)
        only_typed(lambda: load_chains(path, base=ChainRegistry()))

    @FEWER
    @given(st.lists(chain_entries, max_size=3), st.booleans())
    @example([{"id": 5, "name": "x", "parent_contracts": {"²": {}}}], True)
    @example([{"id": 5, "name": "x", "extends": "base", "parent_contracts": {"1": "x"}}], True)
    def test_junk_entries_raise_only_typed_errors(
        self, entries: list[dict[str, Any]], wrapped: bool
    ) -> None:
        doc: Any = {"chains": entries} if wrapped else entries
        path = _write(".json", json.dumps(doc))
        only_typed(lambda: load_chains(path, base=REGISTRY))
        for entry in entries:
            only_typed(lambda entry=entry: chain_from_dict(entry))  # type: ignore[misc]


# ------------------------------------------------------------------------------------ calldata
class TestCalldata:
    @PROPS
    @given(st.binary(max_size=200))
    def test_hex_and_bytes_round_trip(self, data: bytes) -> None:
        assert calldata_bytes(data) == data
        assert calldata_bytes(bytearray(data)) == data  # type: ignore[arg-type]
        for text in ("0x" + data.hex(), "0X" + data.hex().upper(), data.hex()):
            assert calldata_bytes(text) == data

    @PROPS
    @given(junk_text)
    @example("0x٣٣")
    @example("0x 1")
    def test_junk_raises_only_input_errors(self, text: str) -> None:
        with contextlib.suppress(InputError):
            calldata_bytes(text)

    @PROPS
    @given(st.one_of(st.none(), st.integers(), st.lists(st.integers(0, 255), max_size=3)))
    def test_non_text_raises_input_error(self, value: Any) -> None:
        with pytest.raises(InputError):
            calldata_bytes(value)


# ------------------------------------------------------------------------------------ journal rows
hashes = st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex())
json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=5)
refs = st.builds(
    FlowRef,
    adapter=st.text(min_size=1, max_size=12),
    direction=st.sampled_from(list(Direction)),
    kind=st.sampled_from(list(FlowKind)),
    source_chain=st.integers(1, 2**64),
    target_chain=st.integers(1, 2**64),
    tx_hash=hashes,
    data=json_objects,
)


class TestJournalRows:
    @PROPS
    @given(refs)
    def test_flow_ref_json_round_trip(self, ref: FlowRef) -> None:
        again = FlowRef.from_json(ref.to_json())
        assert again == ref
        assert again.to_json() == ref.to_json()

    @PROPS
    @given(junk_text | json_values.map(json.dumps) | json_objects.map(json.dumps))
    @example("{}")
    @example('{"adapter": "x", "direction": "sideways"}')
    @example("null")
    def test_flow_ref_from_junk_raises_only_typed_errors(self, text: str) -> None:
        only_typed(lambda: FlowRef.from_json(text))

    @FEWER
    @given(
        st.sampled_from(["eth", "message", "native"]),
        st.integers(1, 2**63 - 1),
        st.integers(1, 2**63 - 1),
        st.integers(0, MAX_UINT256),
        addresses,
        addresses,
        st.binary(max_size=100),
        json_objects,
        st.lists(
            st.tuples(
                st.sampled_from(["opstack", "arbitrum", "superchain", "native"]),
                st.sampled_from([d.value for d in Direction]),
                st.integers(1, 2**63 - 1),
                st.integers(1, 2**63 - 1),
            ),
            min_size=1,
            max_size=2,
        ),
        st.lists(st.tuples(st.text(min_size=1, max_size=10), hashes, st.binary(max_size=200))),
        refs,
    )
    def test_journal_create_and_read_round_trip(
        self,
        kind: str,
        source: int,
        target: int,
        value: int,
        recipient: Address,
        sender: Address,
        data: bytes,
        options: dict[str, Any],
        hops: list[tuple[str, str, int, int]],
        txs: list[tuple[str, str, bytes]],
        ref: FlowRef,
    ) -> None:
        with Journal(":memory:") as j:
            fid = j.create_flow(
                kind=kind,
                source_chain=source,
                target_chain=target,
                value=value,
                recipient=recipient,
                sender=sender,
                hops=hops,
                data=data,
                options=options,
            )
            for step, tx_hash, raw in txs:
                j.record_tx(fid, 0, step, source, tx_hash, raw)
            j.set_hop_ref(fid, 0, ref)
            rec = j.get(fid)
            assert (rec.kind, rec.source_chain, rec.target_chain, rec.value) == (
                kind,
                source,
                target,
                value,
            )
            assert (rec.recipient, rec.sender, rec.data) == (recipient, sender, data)
            assert dict(rec.options) == json.loads(json.dumps(options))
            assert [(h.adapter, h.direction, h.source_chain, h.target_chain) for h in rec.hops] == [
                tuple(h) for h in hops
            ]
            assert rec.hops[0].ref == ref
            assert all(h.ref is None for h in rec.hops[1:])
            got = [(t.step, t.tx_hash, t.raw, t.chain_id, t.state) for t in j.txs(fid)]
            assert got == [(s, h, r, source, "signed") for s, h, r in txs]
            assert [f.id for f in j.flows(unfinished=True)] == [fid]
            for _, tx_hash, _ in txs:
                found = j.find_by_tx(tx_hash)
                assert found is not None and found.id == fid
            assert j.get(fid[:8]).id == fid  # a unique prefix finds it too

    @FEWER
    @given(st.binary(max_size=300))
    @example(b"SQLite format 3\x00" + b"\x00" * 84)
    def test_a_junk_journal_file_raises_only_typed_errors(self, raw: bytes) -> None:
        path = _write(".sqlite3", raw)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

        def read() -> None:
            with Journal(path) as j:
                j.flows()

        only_typed(read)

    @FEWER
    @given(
        st.sampled_from(
            [
                ("flows", "value"),
                ("flows", "data"),
                ("flows", "options"),
                ("flows", "created"),
                ("flows", "done"),
                ("hops", "ref"),
                ("hops", "source_chain"),
                ("txs", "raw"),
                ("txs", "tx_hash"),
                ("txs", "hop"),
            ]
        ),
        st.none() | st.text(max_size=20) | st.integers(-(2**63), 2**63 - 1) | st.binary(max_size=8),
    )
    @example(("hops", "ref"), "{}")
    @example(("flows", "value"), "ten")
    @example(("txs", "raw"), "zz")
    def test_a_corrupted_journal_row_raises_only_typed_errors(
        self, column: tuple[str, str], junk: Any
    ) -> None:
        """A journal edited by hand, or by a buggy older version: reading it is typed."""
        path = _write(".sqlite3", b"")
        path.unlink()
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        ref = FlowRef("opstack", Direction.L1_TO_L2, FlowKind.ETH, 1, 10, to_hash32(b"\x11" * 32))
        with Journal(path) as j:
            fid = j.create_flow(
                kind="eth",
                source_chain=1,
                target_chain=10,
                value=5,
                recipient="0x" + "22" * 20,
                sender="0x" + "33" * 20,
                hops=[("opstack", "l1-to-l2", 1, 10)],
            )
            j.set_hop_ref(fid, 0, ref)
            j.record_tx(fid, 0, "initiate", 1, "0x" + "11" * 32, b"\x02\x01")
        table, col = column
        db = sqlite3.connect(path)
        try:
            with db:
                db.execute(f"UPDATE {table} SET {col} = ?", (junk,))
        except sqlite3.IntegrityError:
            assume(False)  # the schema itself forbids this corruption (e.g. NULL)
        finally:
            db.close()

        def read() -> None:
            with Journal(path) as j:
                for f in j.flows():
                    j.txs(f.id)
                j.get(fid)
                j.find_by_tx("0x" + "11" * 32)

        only_typed(read)
