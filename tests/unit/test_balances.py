"""Balances: hand-written encoders/decoders against eth-abi, the readers' bytecode structure,
address validation against EIP-55's vectors, and strategy selection / chunking / per-chain
errors on a MockTransport that plays a node (the EVM side itself is tested on the devnet)."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address as _eth_utils_checksum
from eth_utils.crypto import keccak

from interop import types as interop_types
from interop.actions import balances as bal
from interop.chains.model import MULTICALL3, Chain
from interop.client import ChainClient
from interop.errors import (
    InputError,
    InvalidAddressError,
    RpcResponseError,
    RpcTimeoutError,
    RpcUnreachableError,
    UnsupportedOperationError,
)
from interop.rpc.mock import MockTransport
from interop.types import Address

CHAIN = Chain(id=31337, name="unit", contracts={"multicall3": MULTICALL3})
NO_MC_CHAIN = Chain(id=31338, name="unit-no-mc")


def to_checksum_address(a: str | bytes) -> str:
    """eth-utils' EIP-55 checksum, as a plain str (the reference our fast path must match)."""
    return str(_eth_utils_checksum(a))


def addr(i: int) -> str:
    return "0x" + keccak(f"unit-{i}".encode())[12:].hex()


# --- bytecode and constants ---------------------------------------------------------------


def _jump_targets(code: bytes) -> list[int]:
    """Targets of every `PUSH1 x; JUMPI` in code (the readers use no other jumps)."""
    return [code[i + 1] for i in range(len(code) - 2) if code[i] == 0x60 and code[i + 2] == 0x57]


def test_reader_jumps_land_on_jumpdest() -> None:
    for code in (bal.BALANCE_READER_CODE, bal.DEPLOYLESS_READER_CODE):
        targets = _jump_targets(code)
        assert targets, "the reader loops"
        assert all(code[t] == 0x5B for t in targets)


def test_deployless_prefix_length_matches_its_codecopy_offset() -> None:
    # PUSH1 <len> appears twice: once for CODESIZE - len, once as CODECOPY's source offset
    code = bal.DEPLOYLESS_READER_CODE
    assert code[0] == 0x60 and code[1] == len(code)
    assert code[5] == 0x60 and code[6] == len(code)


def test_reader_address_is_derived_from_its_label() -> None:
    expected = to_checksum_address(keccak(b"interop.balance-reader")[12:])
    assert expected == bal.BALANCE_READER_ADDRESS


def test_selectors() -> None:
    assert keccak(b"tryAggregate(bool,(address,bytes)[])")[:4] == bal._SEL_TRY_AGGREGATE
    assert keccak(b"balanceOf(address)")[:4] == bal._SEL_BALANCE_OF
    assert keccak(b"aggregate((address,bytes)[])")[:4] == bal._SEL_AGGREGATE
    assert keccak(b"getEthBalance(address)")[:4] == bal._SEL_GET_ETH_BALANCE


# --- encoders / decoders -------------------------------------------------------------------


def test_packed_balances_roundtrip_extremes() -> None:
    values = [0, 1, 10**18, 2**255, 2**256 - 1]
    raw = b"".join(v.to_bytes(32, "big") for v in values)
    assert bal.decode_packed_balances(raw, len(values)) == values
    with pytest.raises(bal._Unsupported):
        bal.decode_packed_balances(raw[:-1], len(values))
    with pytest.raises(bal._Unsupported):
        bal.decode_packed_balances(b"", 1)  # e.g. a node that ignored the override: "0x"


@pytest.mark.parametrize("n", [0, 1, 2, 7, 300])
def test_aggregate_encoding_matches_eth_abi(n: int) -> None:
    addrs = [addr(i) for i in range(n)]
    packed = b"".join(bytes.fromhex(a[2:]) for a in addrs)
    ours = bal.encode_multicall3_balances(MULTICALL3, packed)
    calls = [(MULTICALL3, bal._SEL_GET_ETH_BALANCE + abi_encode(["address"], [a])) for a in addrs]
    reference = bal._SEL_AGGREGATE + abi_encode(["(address,bytes)[]"], [calls])
    assert ours == reference
    assert len(ours) == 4 + 64 + 192 * n  # the size the chunk limit is derived from


def _aggregate_answer(values: list[int], block: int = 0x10) -> bytes:
    """Multicall3 `aggregate`'s answer as eth-abi encodes `(uint256, bytes[])`."""
    return abi_encode(["uint256", "bytes[]"], [block, [v.to_bytes(32, "big") for v in values]])


def test_aggregate_decoding_of_eth_abi_output() -> None:
    values = [0, 5, 2**255, 2**256 - 1, 12345678901234567890]
    raw = _aggregate_answer(values, block=12345)
    assert len(raw) == 96 + 96 * len(values)  # 96 bytes back per balance
    assert bal._decode_aggregate(raw, len(values)) == (12345, values)
    assert bal.decode_multicall3_balances(raw, len(values)) == values


def test_aggregate_decoding_refuses_short_or_miscounted_results() -> None:
    with pytest.raises(bal._Unsupported):
        bal.decode_multicall3_balances(_aggregate_answer([1, 2]), 3)
    short = abi_encode(["uint256", "bytes[]"], [1, [b""]])
    with pytest.raises(bal._Unsupported):
        bal.decode_multicall3_balances(short, 1)
    with pytest.raises(bal._Unsupported):
        bal.decode_multicall3_balances(b"", 1)  # "0x": no code at the Multicall3 address


# --- addresses -----------------------------------------------------------------------------

# The test vectors of EIP-55 (eips.ethereum.org/EIPS/eip-55, "Test Cases").
EIP55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("vector", EIP55)
def test_fast_checksum_on_eip55_vectors(vector: str) -> None:
    body = vector[2:]
    # the all-caps / all-lower vectors are valid as given; their checksummed form is eth-utils'
    expected = vector if body not in (body.lower(), body.upper()) else to_checksum_address(vector)
    assert bal._checked(vector) == expected
    assert bal._checked("0x" + body.lower()) == expected
    assert bal._checked("0x" + body.upper()) == expected


def test_bulk_hash_prefixes_match_eth_utils() -> None:
    bodies = [os.urandom(20).hex().encode() for _ in range(300)]
    bodies += [b"0" * 40, b"f" * 40]
    got = interop_types._hash_prefixes(b"".join(bodies))
    assert got == b"".join(keccak(b)[:20] for b in bodies)
    assert interop_types._hash_prefixes(b"") == b""


def test_bulk_checksum_equals_eth_utils_and_keys_mix_cache_hits() -> None:
    addrs = ["0x" + os.urandom(20).hex() for _ in range(300)]
    expected = [to_checksum_address(a) for a in addrs]
    assert interop_types.checksum_bodies("".join(a[2:] for a in addrs).encode()) == "".join(
        e[2:] for e in expected
    )
    bal.clear_address_cache()
    assert bal._keys_now("".join(a[2:] for a in addrs[::2])) == expected[::2]  # all cold
    assert bal._keys_now("".join(a[2:] for a in addrs)) == expected  # half cached
    assert bal._keys_now("".join(a[2:] for a in addrs)) == expected  # all cached
    assert all(bal._checked(e) == e for e in expected)


def test_fast_checksum_matches_eth_utils_on_random_addresses() -> None:
    for _ in range(500):
        a = "0x" + os.urandom(20).hex()
        assert bal._checked(a) == to_checksum_address(a)


@pytest.mark.parametrize(
    "bad",
    [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # one letter's case flipped
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",  # 39 digits
        "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",  # no 0x
        "0xgaaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "",
    ],
)
def test_bad_addresses_raise(bad: str) -> None:
    with pytest.raises(InvalidAddressError):
        bal.validate_addresses([bad])


@pytest.mark.parametrize(
    "bad",
    [
        "0x" + "ab" * 19 + " a",  # whitespace that bytes.fromhex would skip
        "0x" + "a" * 20 + "0x" + "b" * 18,  # an 0x inside
        "0x" + "a" * 39 + "\u0130",  # non-ASCII whose lower() is longer
        "0X" + "a" * 39,
    ],
)
def test_bulk_path_never_accepts_what_to_address_refuses(bad: str) -> None:
    good = [addr(i) for i in range(5)]
    with pytest.raises(InvalidAddressError):
        bal.validate_addresses([*good, bad, *good])


def test_bulk_path_checks_mixed_case_checksums() -> None:
    good = [addr(i) for i in range(5)]
    wrong = EIP55[4][:-1] + "D"  # last letter's case flipped
    with pytest.raises(InvalidAddressError):
        bal.validate_addresses([*good, EIP55[5], wrong])
    assert bal.validate_addresses([*good, EIP55[5], EIP55[0]])[-2:] == [EIP55[5], EIP55[0]]


@pytest.mark.parametrize("with_c", [True, False], ids=["c-module", "python"])
def test_address_lists_read_the_same_with_and_without_the_c_module(
    with_c: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not with_c:
        monkeypatch.setattr(bal.speedups, "native", None)
    rng = random.Random(7)
    pool = [addr(i) for i in range(40)] + EIP55
    for _ in range(100):
        items = rng.sample(pool, rng.randrange(1, 30))
        items = [a.upper().replace("0X", "0x") if rng.random() < 0.1 else a for a in items]
        lower = "".join(a[2:].lower() for a in items)
        assert bal._prepare(items) == (lower, bytes.fromhex(lower))
        assert bal._prepare(tuple(items)) == (lower, bytes.fromhex(lower))
    for bad in (EIP55[4][:-1] + "D", "0x" + "ab" * 19 + " a", "0X" + "a" * 39, "0x" + "a" * 39):
        with pytest.raises(InvalidAddressError):
            bal._prepare([*pool[:5], bad])
    assert bal._prepare([]) == ("", b"")


def test_validate_dedupes_and_refuses_a_lone_string() -> None:
    a = addr(1)
    assert bal.validate_addresses([a, a.upper().replace("0X", "0x"), bytes.fromhex(a[2:])]) == [
        to_checksum_address(a)
    ]
    with pytest.raises(InputError):
        bal.validate_addresses(a)


# --- a node on a MockTransport -------------------------------------------------------------


class FakeNode:
    """Plays a node for the strategies: balances from a dict, optional refusals."""

    def __init__(
        self,
        balances: dict[str, int],
        *,
        overrides: bool = True,
        multicall: bool = True,
        deployless: bool = True,
    ) -> None:
        self.balances = {k.lower(): v for k, v in balances.items()}
        self.overrides = overrides
        self.deployless = deployless
        self.multicall = multicall
        self.block_number = 0x10
        self.mine_after_calls: int | None = None  # mine a block after this many aggregate calls
        self.drift = 0  # wei every balance gains per block after 0x10
        self.number_ahead = 0  # a node whose `block.number` in eth_call is ahead of the block read
        self.aggregate_calls = 0

    def _block(self, tag: str) -> int:
        return self.block_number if tag == "latest" else int(tag, 16)

    def _of(self, packed: bytes) -> list[int]:
        return [
            self.balances.get("0x" + packed[i : i + 20].hex(), 0) for i in range(0, len(packed), 20)
        ]

    def _at(self, value: int, block: int) -> int:
        return value + self.drift * (block - 0x10) if value else value

    def __call__(self, method: str, params: list[Any]) -> Any:
        if method == "eth_blockNumber":
            return hex(self.block_number)
        if method == "eth_getBalance":
            return hex(self.balances.get(params[0].lower(), 0))
        if method != "eth_call":
            raise RpcResponseError(f"{method}: method not found", code=-32601)
        tx = params[0]
        data = bytes.fromhex(tx["data"][2:])
        if len(params) > 2:
            if not self.overrides:
                raise RpcResponseError("eth_call: too many params", code=-32602)
            code = params[2][tx["to"]]["code"]
            assert code == "0x" + bal.BALANCE_READER_CODE.hex()
            return "0x" + b"".join(v.to_bytes(32, "big") for v in self._of(data)).hex()
        if "to" not in tx:
            if not self.deployless:
                raise RpcResponseError("eth_call: contract creation not allowed", code=-32000)
            assert data.startswith(bal.DEPLOYLESS_READER_CODE)
            body = data[len(bal.DEPLOYLESS_READER_CODE) :]
            return "0x00" + b"".join(v.to_bytes(32, "big") for v in self._of(body)).hex()
        if tx["to"] == MULTICALL3 and self.multicall:
            assert data[:4] == bal._SEL_AGGREGATE
            (calls,) = abi_decode(["(address,bytes)[]"], data[4:])
            mc = MULTICALL3.lower()
            assert all(c[0].lower() == mc and c[1][:4] == bal._SEL_GET_ETH_BALANCE for c in calls)
            block = self._block(params[1])
            if block > self.block_number:
                raise RpcResponseError("eth_call: header not found", code=-32000)
            vals = [self._at(self.balances.get("0x" + c[1][16:36].hex(), 0), block) for c in calls]
            self.aggregate_calls += 1
            if self.aggregate_calls == self.mine_after_calls:
                self.block_number += 1
            return "0x" + _aggregate_answer(vals, block + self.number_ahead).hex()
        return "0x"  # no code at `to`: an empty answer


def client_for(node: Callable[[str, list[Any]], Any], chain: Chain = CHAIN) -> ChainClient:
    return ChainClient(chain, MockTransport(node), owns_transport=True)


BALANCES = {addr(i): (i * 10**15 if i % 3 else 0) for i in range(25)} | {addr(99): 2**255}


async def test_override_strategy_is_one_request() -> None:
    c = client_for(FakeNode(BALANCES))
    got = await bal.get_balances(c, list(BALANCES), strategy="override")
    assert got == {to_checksum_address(a): v for a, v in BALANCES.items()}
    assert c.transport.methods() == ["eth_call"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("strategy", ["override", "deployless", "batch"])
async def test_each_strategy_chunks_and_pins_latest(strategy: str) -> None:
    c = client_for(FakeNode(BALANCES))
    got = await bal.get_balances(c, list(BALANCES), strategy=strategy, chunk_size=4)  # type: ignore[arg-type]
    assert got == {to_checksum_address(a): v for a, v in BALANCES.items()}
    calls = c.transport.calls  # type: ignore[attr-defined]
    assert calls[0][0] == "eth_blockNumber"  # "latest" pinned once, before the chunks
    tags = {p[1] for m, p in calls[1:]}
    assert tags == {"0x10"}
    if strategy != "batch":
        assert len(calls) == 1 + 7  # 26 addresses in chunks of 4


async def test_multicall3_chunks_at_latest_without_a_pin_request() -> None:
    # `aggregate` reports its block number, so no eth_blockNumber: 7 requests, not 1 + 7
    c = client_for(FakeNode(BALANCES))
    got = await bal.get_balances(c, list(BALANCES), strategy="multicall3", chunk_size=4)
    assert got == {to_checksum_address(a): v for a, v in BALANCES.items()}
    calls = c.transport.calls  # type: ignore[attr-defined]
    assert [m for m, _ in calls] == ["eth_call"] * 7  # 26 addresses in chunks of 4
    assert {p[1] for _, p in calls} == {"latest"}


async def test_multicall3_rereads_a_chunk_that_saw_another_block() -> None:
    # a block is mined after the first chunk and every non-zero balance then grows by 1 wei: the
    # second chunk reports 0x11 and is read again at 0x10, so every value is from block 0x10
    node = FakeNode(BALANCES)
    node.mine_after_calls, node.drift = 1, 1
    c = client_for(node)
    addrs = list(BALANCES)
    got = await bal.get_balances(c, addrs, strategy="multicall3", chunk_size=13)
    assert got == {to_checksum_address(a): v for a, v in BALANCES.items()}
    tags = [p[1] for _, p in c.transport.calls]  # type: ignore[attr-defined]
    assert tags == ["latest", "latest", "0x10"]
    assert c.transport.calls[2][1][0] == c.transport.calls[1][1][0]  # type: ignore[attr-defined]


@pytest.mark.parametrize("ahead", [1, 2])
async def test_multicall3_pins_when_a_reread_reports_another_block(ahead: int) -> None:
    # a node whose block.number in eth_call is ahead of the block it reads. ahead=1: chunks
    # report 0x11 and 0x12, the re-read at 0x11 reports 0x12 again; ahead=2: the re-read at 0x12
    # is refused (no such block yet). Either way the reported numbers cannot be trusted and
    # every chunk is read again at a pinned number (values all from block 0x11)
    node = FakeNode(BALANCES)
    node.mine_after_calls, node.drift, node.number_ahead = 1, 1, ahead
    c = client_for(node)
    got = await bal.get_balances(c, list(BALANCES), strategy="multicall3", chunk_size=13)
    want_at_0x11 = {to_checksum_address(a): v + 1 if v else 0 for a, v in BALANCES.items()}
    assert got == want_at_0x11
    calls = [(m, p[1] if m == "eth_call" else None) for m, p in c.transport.calls]  # type: ignore[attr-defined]
    assert calls == [
        ("eth_call", "latest"),
        ("eth_call", "latest"),
        ("eth_call", hex(0x10 + ahead)),
        ("eth_blockNumber", None),
        ("eth_call", "0x11"),
        ("eth_call", "0x11"),
    ]


@pytest.mark.parametrize("strategy", ["override", "multicall3", "deployless", "batch"])
async def test_block_tag_is_passed_by_every_strategy(strategy: str) -> None:
    c = client_for(FakeNode(BALANCES))
    await bal.get_balances(c, list(BALANCES)[:3], strategy=strategy, block=7)  # type: ignore[arg-type]
    assert {p[1] for _, p in c.transport.calls} == {"0x7"}  # type: ignore[attr-defined]


async def test_auto_degrades_and_remembers() -> None:
    node = FakeNode(BALANCES, overrides=False)
    c = client_for(node)
    got = await bal.get_balances(c, list(BALANCES))
    assert got[Address(to_checksum_address(addr(99)))] == 2**255
    assert len(c.transport.calls) == 2  # type: ignore[attr-defined]  # override refused, then deployless
    assert "to" not in c.transport.calls[1][1][0]  # type: ignore[attr-defined]
    c.transport.calls.clear()  # type: ignore[attr-defined]
    await bal.get_balances(c, list(BALANCES))
    assert len(c.transport.calls) == 1  # type: ignore[attr-defined]  # straight to deployless


async def test_auto_falls_to_multicall3_when_deployless_is_refused() -> None:
    node = FakeNode(BALANCES, overrides=False, deployless=False)
    c = client_for(node)
    table = await bal.get_balances_multichain({CHAIN.id: c}, list(BALANCES))
    assert table[CHAIN.id].strategy == "multicall3"
    assert table.balance(CHAIN.id, addr(99)) == 2**255


async def test_auto_without_multicall_uses_deployless() -> None:
    c = client_for(FakeNode(BALANCES, overrides=False), NO_MC_CHAIN)
    table = await bal.get_balances_multichain({NO_MC_CHAIN.id: c}, list(BALANCES))
    assert table[NO_MC_CHAIN.id].strategy == "deployless"
    assert table.balance(NO_MC_CHAIN.id, addr(99)) == 2**255


async def test_explicit_strategy_that_cannot_work_raises_unsupported() -> None:
    c = client_for(FakeNode(BALANCES), NO_MC_CHAIN)
    with pytest.raises(UnsupportedOperationError):
        await bal.get_balances(c, [addr(1)], strategy="multicall3")


async def test_unreachable_node_does_not_degrade() -> None:
    def dead(method: str, params: list[Any]) -> Any:
        raise RpcUnreachableError("cannot reach mock")

    c = client_for(dead)
    with pytest.raises(RpcUnreachableError):
        await bal.get_balances(c, [addr(1)])
    assert len(c.transport.calls) == 1  # type: ignore[attr-defined]


async def test_multichain_error_entry_and_others_return() -> None:
    def dead(method: str, params: list[Any]) -> Any:
        raise RpcUnreachableError("cannot reach mock")

    async def slow(method: str, params: list[Any]) -> Any:
        await asyncio.sleep(5)

    good = client_for(FakeNode(BALANCES))
    other = Chain(id=2, name="dead")
    third = Chain(id=3, name="slow")
    table = await bal.get_balances_multichain(
        {CHAIN.id: good, 2: client_for(dead, other), 3: client_for(slow, third)},
        list(BALANCES),
        timeout=0.2,
    )
    assert not table.ok
    assert set(table.errors) == {2, 3}
    assert isinstance(table.errors[2], RpcUnreachableError)
    assert isinstance(table.errors[3], RpcTimeoutError)
    assert table.get(2, addr(1)) is None
    with pytest.raises(RpcUnreachableError):
        table.balance(2, addr(1))
    assert table.balance(CHAIN.id, addr(1)) == BALANCES[addr(1)]
    assert table[CHAIN.id].balances[Address(to_checksum_address(addr(2)))] == BALANCES[addr(2)]


async def test_bad_address_raises_before_any_request() -> None:
    node_calls: list[str] = []

    def node(method: str, params: list[Any]) -> Any:
        node_calls.append(method)
        return "0x"

    with pytest.raises(InvalidAddressError):
        await bal.get_balances_multichain(
            {CHAIN.id: client_for(node)}, [addr(1), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"]
        )
    assert node_calls == []


async def test_duplicates_collapse() -> None:
    c = client_for(FakeNode(BALANCES))
    a = addr(4)
    got = await bal.get_balances(c, [a, a, to_checksum_address(a), a.upper().replace("0X", "0x")])
    assert got == {to_checksum_address(a): BALANCES[a]}
    table = await bal.get_balances_multichain({CHAIN.id: c}, [a, addr(5), a])
    assert table.addresses == (to_checksum_address(a), to_checksum_address(addr(5)))


async def test_a_multichain_answer_reads_as_the_dict_of_its_addresses() -> None:
    # duplicates in every case form; the same mapping a dict of the pairs would be
    c = client_for(FakeNode(BALANCES))
    a, b = addr(4), addr(5)
    asked = [a, b, a, to_checksum_address(a), addr(6)]
    got = (await bal.get_balances_multichain({CHAIN.id: c}, asked))[CHAIN.id].balances
    want = {to_checksum_address(x): BALANCES.get(x.lower(), 0) for x in asked}
    assert got == want and want == got and dict(got) == want
    assert list(got) == list(want) and len(got) == 3
    assert list(got.items()) == list(want.items()) and list(got.values()) == list(want.values())
    assert list(got.keys()) == list(want.keys())
    assert to_checksum_address(b) in got and a not in got  # keys are checksummed, as in a dict
    assert got.get(to_checksum_address(b)) == BALANCES.get(b, 0) and got.get(a) is None
    with pytest.raises(KeyError):
        got[to_checksum_address(addr(7))]  # type: ignore[index]
    assert repr(got) == f"BalanceMap({want!r})"
    assert got.copy() == want and type(got.copy()) is dict  # as the mappingproxy it replaced
    extra = {to_checksum_address(addr(8)): 1}
    assert got | extra == want | extra and extra | got == extra | want
    # no duplicates: the values in order
    rng = random.Random(3)
    keys = tuple(to_checksum_address(addr(i)) for i in range(50))
    values = [rng.getrandbits(70) for _ in keys]
    plain = bal.BalanceMap(dict(zip(keys, range(50), strict=True)), values)
    assert list(plain.values()) == values and dict(plain) == dict(zip(keys, values, strict=True))
    # duplicates: the last position's value, first-seen order, as dict(zip(...)) keeps them
    doubled = keys[:10] + keys[:5]
    more = [*values[:10], *[v + 1 for v in values[:5]]]
    index = bal._index_of("not-a-cached-list", doubled)
    assert dict(bal.BalanceMap(index, more).items()) == dict(zip(doubled, more, strict=True))
    assert list(bal.BalanceMap(index, more)) == list(keys[:10])


async def test_a_polled_list_keeps_its_index_only_while_the_list_is_cached() -> None:
    bal.clear_address_cache()
    lower = "".join(addr(i)[2:] for i in range(20))
    keys = await bal._checksummed(lower)
    first = bal._index_of(lower, keys)
    assert bal._index_of(lower, keys) is first  # the next poll reuses it
    assert bal._index_of(lower, tuple(list(keys))) is not first  # other keys: not the cached one
    bal.clear_address_cache()
    assert bal._INDEXES == {} and bal._index_of(lower, keys) is not first


async def test_empty_address_list_sends_nothing() -> None:
    c = client_for(FakeNode(BALANCES))
    assert await bal.get_balances(c, []) == {}
    assert c.transport.calls == []  # type: ignore[attr-defined]


def test_committed_multicall3_matches_a_fresh_compile() -> None:
    """The committed runtime bytecode is what solc-js (pinned) makes of the committed source."""
    import shutil

    from interop.devnet.contracts import artifact
    from interop.devnet.contracts.compile import build_record
    from interop.devnet.install import node_modules

    if shutil.which("node") is None or not (node_modules() / "solc").exists():
        pytest.skip("node or solc-js not installed")
    fresh = build_record("Multicall3")
    committed = artifact("Multicall3")
    assert fresh["runtime"] == committed["runtime"]
    assert fresh["abi"] == committed["abi"]
    assert fresh["solc"] == committed["solc"]


async def test_whole_list_cache_gives_the_same_keys_and_is_cleared() -> None:
    addrs = ["0x" + os.urandom(20).hex() for _ in range(50)]
    lower = "".join(a[2:] for a in addrs)
    bal.clear_address_cache()
    first = await bal._checksummed(lower)
    assert list(first) == [to_checksum_address(a) for a in addrs]
    assert await bal._checksummed(lower) is first  # a poller's repeat: no work
    bal.clear_address_cache()
    again = await bal._checksummed(lower)
    assert again == first and again is not first
    # a list longer than one slice (in C without the per-address cache, where it is built)
    long = ["0x" + os.urandom(20).hex() for _ in range(3 * bal._KEYS_SLICE + 7)]
    keys = await bal._checksummed("".join(a[2:] for a in long))
    assert list(keys) == [to_checksum_address(a) for a in long]
    assert [bal._checked(a) for a in long[:50]] == list(keys[:50])


# --- ERC-20 records, tokens, blocks ---------------------------------------------------------


@pytest.mark.parametrize("name", ["RECORD_READER_CODE", "DEPLOYLESS_RECORD_READER_CODE"])
def test_record_reader_jumps_land_on_jumpdest(name: str) -> None:
    code = getattr(bal, name)
    # PUSH2 targets (the record reader's jumps are PUSH2 x; JUMP/JUMPI, plus the loop's PUSH1)
    targets = [
        int.from_bytes(code[i + 1 : i + 3], "big")
        for i in range(len(code) - 3)
        if code[i] == 0x61 and code[i + 3] in (0x56, 0x57)
    ]
    assert len(targets) == 2
    assert all(code[t] == 0x5B for t in [*targets, *_jump_targets(code)])
    assert bytes.fromhex("70a08231") in code  # balanceOf


def test_deployless_record_reader_copies_from_its_own_end() -> None:
    code = bal.DEPLOYLESS_RECORD_READER_CODE
    assert code[0] == 0x60 and code[1] == len(code) and code[5] == 0x60 and code[6] == len(code)
    # the token call and the native branch are the override reader's, byte for byte, apart
    # from the PUSH2 of the jump to `next`
    r = bal.RECORD_READER_CODE
    assert r[0x18:0x48] == code[0x27:0x57] and r[0x4C:0x58] == code[0x5B:0x67]


def test_records_encoding_is_holder_major() -> None:
    holders = bytes.fromhex(addr(1)[2:] + addr(2)[2:])
    tok = bytes.fromhex(addr(3)[2:])
    rec = bal.encode_records([bytes(20), tok], holders)
    assert (
        rec
        == bytes(20)
        + holders[:20]
        + tok
        + holders[:20]
        + bytes(20)
        + holders[20:]
        + tok
        + holders[20:]
    )


def test_records_encoding_matches_the_plain_loop_for_many_targets() -> None:
    rng = random.Random(16)
    for m in (1, 2, 3, 5):
        targets = [bytes(20)] + [rng.randbytes(20) for _ in range(m - 1)]
        packed = rng.randbytes(20 * 37)
        holders = [packed[i : i + 20] for i in range(0, len(packed), 20)]
        want = b"".join(t + h for h in holders for t in targets)
        assert bal.encode_records(targets, packed) == want
    assert bal.encode_records([bytes(20)], b"") == b"" == bal.encode_records([], packed)


def _merge_plainly(first: list[bool], a: list[int], b: list[int | None]) -> list[int | None]:
    ia, ib = iter(a), iter(b)
    return [next(ia) if f else next(ib) for f in first]


def test_merge_of_natives_and_tokens_follows_the_mask() -> None:
    """`_merge` takes strided slices when the mask is periodic (records cut anywhere in a
    holder's targets, one or several natives a period) and a plain pass otherwise."""
    rng = random.Random(7)
    masks: list[list[bool]] = [[], [True], [False], [True, False, True], [False, True, True]]
    for m in range(1, 6):
        for pattern in range(1, 2**m):
            period = [bool(pattern >> j & 1) for j in range(m)]
            for start in range(m):
                for n in (1, m - 1, m, 3 * m + 1, 40):
                    masks.append([period[(start + k) % m] for k in range(n)][:n] or [True])
    masks += [[rng.random() < 0.4 for _ in range(rng.randrange(1, 60))] for _ in range(300)]
    for first in masks:
        a = [rng.randrange(10**6) for f in first if f]
        b: list[int | None] = [rng.choice([None, rng.randrange(10**6)]) for f in first if not f]
        assert bal._merge(first, a, b) == _merge_plainly(first, a, b), first


def test_record_decoding_marks_failures() -> None:
    raw = b"\x01" + (2**256 - 1).to_bytes(32, "big") + b"\x00" + bytes(32) + b"\x01" + bytes(32)
    assert bal.decode_records(raw, 3) == [2**256 - 1, None, 0]
    with pytest.raises(Exception, match="records"):
        bal.decode_records(raw[:-1], 3)


def test_multicall3_records_match_eth_abi() -> None:
    holders = [addr(i) for i in range(3)]
    tok = addr(9)
    packed = bytes.fromhex("".join(h[2:] for h in holders))
    rec = bal.encode_records([bytes(20), bytes.fromhex(tok[2:])], packed)
    data = bal.encode_multicall3_records(MULTICALL3, rec)
    calls = []
    for h in holders:
        arg = abi_encode(["address"], [h])
        calls.append((MULTICALL3, bytes.fromhex("4d2301cc") + arg))
        calls.append((tok, bytes.fromhex("70a08231") + arg))
    # tryAggregate(bool requireSuccess, (address target, bytes callData)[] calls)
    selector = keccak(b"tryAggregate(bool,(address,bytes)[])")[:4]
    want = selector + abi_encode(["bool", "(address,bytes)[]"], [False, calls])
    assert data == want
    assert bal.encode_multicall3_records(MULTICALL3, b"") == selector + abi_encode(
        ["bool", "(address,bytes)[]"], [False, []]
    )
    # the hex the transport sends is that calldata's
    assert bal._multicall3_records_hex(MULTICALL3, rec, 6) == "0x" + want.hex()
    answer = abi_encode(
        ["(bool,bytes)[]"],
        [[(True, (5).to_bytes(32, "big")), (False, b"x"), (True, b""), (True, bytes(64))]],
    )
    assert bal.decode_multicall3_records(answer, 4) == [5, None, None, 0]


def test_tokens_argument_forms() -> None:
    from interop.tokens import Token, builtin_tokens

    a, b = addr(1), addr(2)
    assert bal._resolve_tokens([a], [1, 10]) == {
        1: (to_checksum_address(a),),
        10: (to_checksum_address(a),),
    }
    usdc = bal._resolve_tokens({1: ["USDC", b, b]}, [1, 10])
    assert usdc == {1: (builtin_tokens(1)[0].address, to_checksum_address(b))}
    t = Token(10, Address(to_checksum_address(a)), "X", 2)
    assert bal._resolve_tokens([t], [1, 10]) == {10: (t.address,)}
    for bad in ("USDC", {5: [a]}, {1: a}, {1: ["NOPE"]}, [addr(1)[:-1]]):
        with pytest.raises(InputError):
            bal._resolve_tokens(bad, [1, 10])  # type: ignore[arg-type]


def test_token_list_and_format(tmp_path: Any) -> None:
    import json

    from interop.tokens import BUILTIN_TOKENS, load_token_list

    doc = {
        "name": "t",
        "tokens": [
            {"chainId": 1, "address": addr(1), "symbol": "A", "decimals": 6, "name": "Aa"},
            {"chainId": 10, "address": addr(2), "symbol": "B", "decimals": 0},
        ],
    }
    p = tmp_path / "list.json"
    p.write_text(json.dumps(doc))
    got = load_token_list(p)
    assert got[1][0].symbol == "A" and got[10][0].decimals == 0
    assert got[1][0].format(1_234_567) == "1.234567" and got[10][0].format(5) == "5"
    assert got[1][0].format(10**6) == "1" and got[1][0].format(10) == "0.00001"
    assert got[1][0].format(10**30 + 1) == "1000000000000000000000000.000001"
    doc["tokens"][1]["decimals"] = 300  # type: ignore[index]
    with pytest.raises(InputError, match="entry 1"):
        load_token_list(doc)
    assert {1, 10, 8453, 42161} <= set(BUILTIN_TOKENS)
    assert all(t.chain_id == cid for cid, ts in BUILTIN_TOKENS.items() for t in ts)


@pytest.mark.parametrize("bad", ["newest", "0xzz", -1, 1.5, True, None])
def test_block_argument_is_checked(bad: Any) -> None:
    with pytest.raises(InputError):
        bal._check_block(bad)
    with pytest.raises(InputError):
        bal._check_block({1: "latest", 2: bad})


def test_block_argument_accepts_the_same_forms_everywhere() -> None:
    for ok in ("latest", "pending", "safe", "finalized", "earliest", 0, 123, "0x10"):
        bal._check_block(ok)


@pytest.mark.parametrize("with_c", [True, False], ids=["c-module", "python"])
def test_fast_answer_decoders_are_as_strict_as_the_slow_ones(
    with_c: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not with_c:
        monkeypatch.setattr(bal.speedups, "native", None)
    assert bal._quantities(["0x" + "f" * 64, "0X" + "1" * 65], "m") == [
        16**64 - 1,
        int("1" * 65, 16),
    ]
    assert bal._data("0x") == b"" and bal._data("0x00ff") == b"\x00\xff"
    assert bal._data("0x0") == b"\x00"  # odd length: tolerated, as by decode_data
    for bad in ("0x00 ff", "0x 00ff", "00ff", "0x0g", None, 5):
        with pytest.raises(RpcResponseError):
            bal._data(bad)
    assert bal._quantities(["0x0", "0x1f", "0xFF"], "m") == [0, 31, 255]
    for bad_list in (
        ["0x1", "0x"],
        ["0x1", "1"],
        ["0x1", "0x0x1"],
        ["0x1", "0x1_0"],
        ["0x1", " 0x1"],
    ):
        with pytest.raises(RpcResponseError):
            bal._quantities(bad_list, "m")
    with pytest.raises(RpcTimeoutError):
        bal._quantities(["0x1", RpcTimeoutError("t")], "m")


def test_aggregate3_decoder_follows_offsets_when_not_compact() -> None:
    # a non-canonical but valid layout (results in reverse order in the tail): the compact fast
    # path must refuse it and the general decoder must still read it right
    vals = [7, 2**256 - 1, 0]
    n = len(vals)
    elems = [
        (1).to_bytes(32, "big")
        + (0x40).to_bytes(32, "big")
        + (32).to_bytes(32, "big")
        + v.to_bytes(32, "big")
        for v in vals
    ]
    tail = b"".join(reversed(elems))
    offsets = [32 * n + 128 * (n - 1 - k) for k in range(n)]
    raw = (
        (0x20).to_bytes(32, "big")
        + n.to_bytes(32, "big")
        + b"".join(o.to_bytes(32, "big") for o in offsets)
        + tail
    )
    assert bal._compact_results(raw, n) is None
    assert bal.decode_multicall3_records(raw, n) == vals


@pytest.mark.skipif(bal.speedups.native is None, reason="the optional C module is not built")
def test_the_hex_aggregate_reader_agrees_with_eth_abi_or_declines() -> None:
    values = [0, 5, 2**64 - 1, 2**64, 2**255, 2**256 - 1, 12345678901234567890]
    answer = "0x" + _aggregate_answer(values, block=2**70 + 3).hex()
    assert bal._hex_aggregate(answer, len(values)) == (2**70 + 3, values)
    one = "0x" + _aggregate_answer([9]).hex()
    assert bal._hex_aggregate(one, 1) == bal._decode_aggregate(bytes.fromhex(one[2:]), 1)
    short = "0x" + abi_encode(["uint256", "bytes[]"], [1, [b"", b""]]).hex()
    wrong_length = answer[:-128] + f"{31:064x}" + answer[-64:]  # a 31-byte result
    for declined, count in [
        (answer, len(values) - 1),  # another count
        (answer.upper().replace("0X", "0x"), len(values)),  # the heads differ as text
        (answer[:-1] + "g", len(values)),  # a bad digit
        (answer[:40] + "g" + answer[41:], len(values)),  # a bad digit in the block number
        (short, 2),
        (wrong_length, len(values)),
        ("0x", 1),
        (None, 1),
    ]:
        assert bal._hex_aggregate(declined, count) is None
    with pytest.raises(bal._Unsupported):  # and the slow path words the refusal
        bal._decode_aggregate(bytes.fromhex(wrong_length[2:]), len(values))


@pytest.mark.skipif(bal.speedups.native is None, reason="the optional C module is not built")
def test_the_hex_try_aggregate_reader_agrees_with_eth_abi_or_declines() -> None:
    values = [0, 5, 2**64 - 1, 2**64, 2**255, 2**256 - 1, 12345678901234567890]
    results = [(True, v.to_bytes(32, "big")) for v in values]
    answer = "0x" + abi_encode(["(bool,bytes)[]"], [results]).hex()
    assert bal._hex_try_aggregate(answer, len(values)) == values
    failed = "0x" + abi_encode(["(bool,bytes)[]"], [[(False, bytes(32)), *results[1:]]]).hex()
    short = "0x" + abi_encode(["(bool,bytes)[]"], [[(True, b""), *results[1:]]]).hex()
    long = "0x" + abi_encode(["(bool,bytes)[]"], [[(True, bytes(64)), *results[1:]]]).hex()
    for declined, count in [
        (answer, len(values) - 1),  # another count
        (answer[:-1] + "g", len(values)),  # a bad digit
        (failed, len(values)),  # a sub-call failed: the general decoder marks it
        (short, len(values)),
        (long, len(values)),
        ("0x", 1),
        (None, 1),
    ]:
        assert bal._hex_try_aggregate(declined, count) is None
    assert bal.decode_multicall3_records(bytes.fromhex(failed[2:]), len(values))[:2] == [None, 5]


def test_aggregate_decoder_follows_offsets_when_not_compact() -> None:
    # returnData in reverse order in the tail: valid ABI, not Multicall3's compact layout
    vals = [7, 2**256 - 1, 0]
    n = len(vals)
    elems = [(32).to_bytes(32, "big") + v.to_bytes(32, "big") for v in vals]
    offsets = [32 * n + 64 * (n - 1 - k) for k in range(n)]
    raw = (
        (99).to_bytes(32, "big")
        + (0x40).to_bytes(32, "big")
        + n.to_bytes(32, "big")
        + b"".join(o.to_bytes(32, "big") for o in offsets)
        + b"".join(reversed(elems))
    )
    assert bal._decode_aggregate(raw, n) == (99, vals)


async def test_a_polled_list_of_100k_addresses_is_remembered_within_the_budget() -> None:
    """A portfolio polled again skips splitting and looking up every address; what the list
    cache holds stays within its address budget, the oldest lists going first."""
    bal.clear_address_cache()
    try:
        bodies = [os.urandom(20).hex() for _ in range(100_000)]
        big = "".join(bodies)
        first = await bal._checksummed(big)
        assert [first[0], first[-1]] == [
            _eth_utils_checksum("0x" + bodies[0]),
            _eth_utils_checksum("0x" + bodies[-1]),
        ]
        assert await bal._checksummed(big) is first  # remembered, not computed again
        others = ["".join(os.urandom(20).hex() for _ in range(20_000)) for _ in range(2)]
        for other in others:
            await bal._checksummed(other)
        assert sum(map(len, bal._LISTS.values())) <= bal._LISTS_MAX_ADDRESSES
        assert big not in bal._LISTS  # 100,000 + 40,000 > the budget: the oldest went
        assert all(other in bal._LISTS for other in others)
    finally:
        bal.clear_address_cache()
