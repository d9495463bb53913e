"""A table of bad inputs, CLI and library, each refused the same way: typed, named, nothing sent.

For every row: the CLI exits 2 (library: the typed error class), the message names the bad value
(or, for a value shaped like a private key, says so without showing it), no key's hex appears in
stdout/stderr, and nothing is sent: the sender's nonce is unchanged on every chain after the whole
table, and after each row that could send (send / bridge / message).

The CLI runs in-process (`interop.cli.main.main(argv)` in a worker thread, so the session devnet's
relayers and the Arbitrum shim keep running in this event loop) with capsys; two rows also run as
real processes.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop import Interop
from interop.cli.main import devnet_chains_json, main
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import (
    InputError,
    InteropError,
    InvalidAddressError,
    InvalidAmountError,
    UnknownChainError,
    UnsupportedOperationError,
)
from interop.signer import account_from_key
from interop.units import ether, parse_amount

pytestmark = pytest.mark.integration

KEY = "0x" + keccak(b"interop tests: bad inputs").hex()  # the sender's key (environment)
PASTED = "0x" + keccak(b"interop tests: a key pasted in the wrong place").hex()
ME = account_from_key(KEY).address
BOB = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
BAD_SUM = BOB.replace("dc", "DC")  # one flipped case: EIP-55 checksum fails
ZERO = "0x" + "0" * 40
CHAINS = (900, 901, 902)


@dataclass(frozen=True)
class Row:
    name: str
    argv: list[str]
    needle: str  # must appear in stderr (case-insensitive)
    sends: int | None = None  # chain whose nonce is checked right after this row
    env: dict[str, str] | None = None


def _rows(common: list[str], journal: list[str], files: dict[str, Path]) -> list[Row]:
    send = ["send", *common, *journal, "--chain", "devnet-l1"]
    bridge = ["bridge", *common, *journal, "--from", "devnet-l1", "--to", "devnet-op"]
    message = ["message", *common, *journal, "--from", "devnet-l1", "--to", "devnet-op"]
    flow = [*common, *journal]
    bal = ["balances", *common, "--chains", "devnet-l1"]
    v = ["--value", "1wei"]
    k = PASTED[2:]
    return [
        # send: addresses in every form
        Row("bad checksum", [*send, "--to", BAD_SUM, *v], "checksum", 900),
        Row("short address", [*send, "--to", "0x1234", *v], "0x1234", 900),
        Row("non-hex address", [*send, "--to", "0x" + "zz" * 20, *v], "zz", 900),
        Row("41 hex digits", [*send, "--to", BOB + "a", *v], BOB[2:12].lower(), 900),
        Row("unknown ERC-3770 prefix", [*send, "--to", f"nochain:{BOB}", *v], "nochain", 900),
        Row("ERC-7828 other chain", [*send, "--to", f"{BOB}@903", *v], "903", 900),
        Row("CAIP-10 bad reference", [*send, "--to", f"eip155:x:{BOB}", *v], "'x'", 900),
        Row("too many colons", [*send, "--to", f"a:b:c:{BOB}", *v], "a:b:c", 900),
        Row("empty address", [*send, "--to", "", *v], "address", 900),
        Row("zero address", [*send, "--to", ZERO, *v], "zero address", 900),
        Row("zero address CAIP-10", [*send, "--to", f"eip155:900:{ZERO}", *v], "zero", 900),
        Row("key as address", [*send, "--to", k, *v], "private key", 900),
        Row("0x key as address", [*send, "--to", PASTED, *v], "private key", 900),
        # send: amounts
        Row("negative", [*send, "--to", BOB, "--value=-1ether"], "-1", 900),
        Row("no unit", [*send, "--to", BOB, "--value", "1.5"], "1.5", 900),
        Row("more decimals than wei", [*send, "--to", BOB, "--value", "0.5wei"], "0.5", 900),
        Row("too many ether decimals", [*send, "--to", BOB, "--value", "1e-19ether"], "1e-19", 900),
        Row("huge", [*send, "--to", BOB, "--value", "9" * 80 + "ether"], "uint256", 900),
        Row(
            "above balance", [*send, "--to", BOB, "--value", "10000000ether"], "needs 10000000", 900
        ),
        Row("unknown unit", [*send, "--to", BOB, "--value", "1bananas"], "bananas", 900),
        Row("comma decimal", [*send, "--to", BOB, "--value", "1,5ether"], "1,5ether", 900),
        Row("zero value", [*send, "--to", BOB, "--value", "0ether"], "zero", 900),
        Row("key as amount", [*send, "--to", BOB, "--value", PASTED], "private key", 900),
        # send: chains, RPC URLs, key
        Row(
            "unknown chain",
            ["send", *common, "--chain", "devnet-opp", "--to", BOB, *v],
            "did you mean",
        ),
        Row(
            "unknown chain id",
            ["send", *common, "--chain", "99999999", "--to", BOB, *v],
            "99999999",
        ),
        Row("key as chain", ["send", *common, "--chain", PASTED, "--to", BOB, *v], "private key"),
        Row(
            "non-ASCII rpc",
            [*send, "--to", BOB, *v, "--rpc", "devnet-l1=http://nöde.test"],
            "non-ascii",
            900,
        ),
        Row("ftp rpc", [*send, "--to", BOB, *v, "--rpc", "devnet-l1=ftp://node"], "ftp://", 900),
        Row(
            "rpc without host",
            [*send, "--to", BOB, *v, "--rpc", "devnet-l1=http://"],
            "http://",
            900,
        ),
        Row("rpc without =", [*send, "--to", BOB, *v, "--rpc", "devnet-l1"], "chain=url", 900),
        Row("key as rpc chain", [*send, "--to", BOB, *v, "--rpc", f"{k}=http://x"], "private key"),
        Row(
            "no key",
            [*send, "--to", BOB, *v],
            "INTEROP_PRIVATE_KEY",
            900,
            env={"INTEROP_PRIVATE_KEY": ""},
        ),
        Row(
            "malformed key",
            [*send, "--to", BOB, *v],
            "invalid private key",
            900,
            env={"INTEROP_PRIVATE_KEY": "0x1234"},
        ),
        # bridge / message
        Row(
            "bridge unknown chain",
            ["bridge", *flow, "--from", "devnet-opp", "--to", "900", *v],
            "unknown chain",
        ),
        Row("bridge negative", [*bridge, "--value=-1ether"], "-1", 900),
        Row(
            "bridge recipient on another chain",
            [*bridge, *v, "--recipient", f"{BOB}@903"],
            "was asked for",
            900,
        ),
        Row(
            "bridge no key",
            [*bridge, *v],
            "INTEROP_PRIVATE_KEY",
            900,
            env={"INTEROP_PRIVATE_KEY": ""},
        ),
        Row("bridge zero recipient", [*bridge, *v, "--recipient", ZERO], "zero address", 900),
        Row("bridge bad recipient", [*bridge, *v, "--recipient", BAD_SUM], "checksum", 900),
        Row("bridge zero value", [*bridge, "--value", "0wei"], "zero", 900),
        Row(
            "bridge same chain",
            ["bridge", *flow, "--from", "900", "--to", "900", *v],
            "same chain",
            900,
        ),
        Row(
            "bridge key as chain", ["bridge", *flow, "--from", k, "--to", "901", *v], "private key"
        ),
        Row(
            "max-interval 0",
            [*bridge, *v, "--complete", "--max-interval", "0"],
            "max-interval",
            900,
        ),
        Row("max-interval negative", [*bridge, *v, "--wait", "--max-interval=-5"], "-5", 900),
        Row("max-interval inf", [*bridge, *v, "--wait", "--max-interval", "inf"], "inf", 900),
        Row("timeout 0", [*bridge, *v, "--complete", "--timeout", "0"], "--timeout", 900),
        Row("timeout nan", [*bridge, *v, "--complete", "--timeout", "nan"], "nan", 900),
        Row("timeout = key", [*bridge, *v, "--timeout", PASTED], "--timeout", 900),
        Row("odd calldata", [*message, "--target", BOB, "--data", "0x123"], "0x123", 900),
        Row("non-hex calldata", [*message, "--target", BOB, "--data", "0xzz"], "0xzz", 900),
        Row(
            "plan odd calldata",
            [*message, "--target", BOB, "--data", "0x12345", "--plan"],
            "whole bytes",
            900,
        ),
        Row(
            "plan non-hex calldata",
            [*message, "--target", BOB, "--data", "0xzz", "--plan"],
            "whole bytes",
            900,
        ),
        Row("message zero target", [*message, "--target", ZERO, "--data", "0x"], "zero", 900),
        # status / finalize / balances / chains
        Row("key as status ref", ["status", *flow, k], "private key"),
        Row("LIKE wildcards as id", ["status", *flow, "______"], "______"),
        Row("unknown flow id", ["finalize", *flow, "deadbeefcafe"], "deadbeefcafe"),
        Row("0x key as ref, no chain", ["status", *flow, PASTED], "--chain"),
        Row(
            "0x key as ref on chain",
            ["status", *flow, PASTED, "--chain", "devnet-l1"],
            "<redacted>",
        ),
        Row("balances bad address", [*bal, "0xnothex"], "0xnothex"),
        Row("balances key", [*bal, k], "private key"),
        Row("unknown stack", ["chains", "--stack", "opstak"], "opstak"),
        Row(
            "journal not a database",
            ["status", *common, "--journal", str(files["garbage"])],
            "journal",
        ),
        Row(
            "journal in a file's place",
            ["status", *common, "--journal", str(files["garbage"] / "j.sqlite3")],
            "journal",
        ),
        Row(
            "chains file missing",
            ["chains", "--chains-file", str(files["missing"])],
            str(files["missing"].name),
        ),
        Row(
            "chains file malformed",
            ["chains", "--chains-file", str(files["garbage"])],
            files["garbage"].name,
        ),
        Row(
            "no devnet running",
            ["balances", BOB, "--devnet"],
            "no running devnet",
            env={"INTEROP_DEVNET_FILE": str(files["missing"])},
        ),
        Row("missing --value", ["bridge", *flow, "--from", "900", "--to", "901"], "--value"),
    ]


async def _setup(devnet: Devnet, tmp_path: Path) -> tuple[list[str], dict[int, ChainClient]]:
    chains_file = tmp_path / "chains.json"
    chains_file.write_text(devnet_chains_json(list(devnet.chains.values())))
    clients = {
        cid: ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)
        for cid in CHAINS
    }
    for cid in CHAINS:
        await devnet.transport(cid).request("anvil_setBalance", [ME, hex(ether("10"))])
    return ["--chains-file", str(chains_file)], clients


async def _nonces(clients: dict[int, ChainClient]) -> dict[int, int]:
    return {cid: await c.get_nonce(ME) for cid, c in clients.items()}


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [name for name, key in (("env key", KEY), ("pasted key", PASTED)) if key[2:] in low]


async def test_cli_refuses_each_bad_input(
    devnet: Devnet,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    common, clients = await _setup(devnet, tmp_path)
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00not sqlite, not json{")
    files = {"garbage": garbage, "missing": tmp_path / "missing.json"}
    rows = _rows(common, ["--journal", str(tmp_path / "j.sqlite3")], files)
    assert len(rows) >= 40
    before = await _nonces(clients)
    problems: list[str] = []
    for row in rows:
        nonce = await clients[row.sends].get_nonce(ME) if row.sends else None
        with monkeypatch.context() as env:  # each row's environment, undone after it
            env.setenv("INTEROP_PRIVATE_KEY", KEY)
            for var, value in (row.env or {}).items():
                env.setenv(var, value)
            code = await asyncio.to_thread(main, row.argv)
        out, err = capsys.readouterr()
        if code != 2:
            problems.append(f"{row.name}: exit {code}, stderr {err!r}")
        if row.needle.lower() not in err.lower():
            problems.append(f"{row.name}: {row.needle!r} not in stderr {err!r}")
        if _leaks(out + err):
            problems.append(f"{row.name}: {_leaks(out + err)} shown")
        if "Traceback" in err:
            problems.append(f"{row.name}: traceback")
        if row.sends and await clients[row.sends].get_nonce(ME) != nonce:
            problems.append(f"{row.name}: a transaction was sent")
    assert not problems, "\n".join(problems)
    assert await _nonces(clients) == before  # nothing sent on any chain


async def test_cli_refusals_as_real_processes(devnet: Devnet, tmp_path: Path) -> None:
    """Two rows through `python -m interop.cli`: the same exit code and message from the
    installed entry point, with the key in the real environment."""
    common, clients = await _setup(devnet, tmp_path)
    before = await _nonces(clients)
    journal = ["--journal", str(tmp_path / "p.sqlite3")]
    cases = [
        (
            [
                "send",
                *common,
                *journal,
                "--chain",
                "devnet-op",
                "--to",
                PASTED[2:],
                "--value",
                "1wei",
            ],
            "private key",
        ),
        (
            [
                "bridge",
                *common,
                *journal,
                "--from",
                "devnet-op",
                "--to",
                "devnet-l1",
                "--value",
                "1wei",
                "--complete",
                "--max-interval",
                "0",
            ],
            "max-interval",
        ),
    ]
    for argv, needle in cases:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "interop.cli", *argv,
            env={**os.environ, "INTEROP_PRIVATE_KEY": KEY},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out_b, err_b = await asyncio.wait_for(proc.communicate(), 60)
        out, err = out_b.decode(), err_b.decode()
        assert proc.returncode == 2, (argv, out, err)
        assert needle in err and not _leaks(out + err) and "Traceback" not in err, err
    assert await _nonces(clients) == before


# ------------------------------------------------------------------------------ library


def _library_rows(io: Interop) -> list[tuple[str, Callable[[], Awaitable[Any]], type, str]]:
    """(name, call, error class, text the message must contain)."""

    async def call(fn: Callable[[], Any]) -> Any:
        return fn()

    return [
        (
            "transfer bad checksum",
            lambda: io.transfer(901, to=BAD_SUM, value=1),
            InvalidAddressError,
            "checksum",
        ),
        (
            "transfer short address",
            lambda: io.transfer(901, to="0x1234", value=1),
            InvalidAddressError,
            "0x1234",
        ),
        (
            "transfer negative",
            lambda: io.transfer(901, to=BOB, value=-1),
            InvalidAmountError,
            "-1",
        ),
        (
            "transfer float",
            lambda: io.transfer(901, to=BOB, value=1.5),  # type: ignore[arg-type]
            InvalidAmountError,
            "1.5",
        ),
        (
            "transfer unknown chain",
            lambda: io.transfer("devnet-opp", to=BOB, value=1),
            UnknownChainError,
            "devnet-opp",
        ),
        (
            "transfer ERC-7828 other chain",
            lambda: io.transfer(901, to=f"{BOB}@903", value=1),
            InputError,
            "903",
        ),
        ("bridge zero", lambda: io.bridge(0, 900, 901), InvalidAmountError, "0"),
        (
            "bridge same chain",
            lambda: io.bridge(1, 900, 900),
            UnsupportedOperationError,
            "same chain",
        ),
        (
            "bridge bad recipient",
            lambda: io.bridge(1, 900, 901, "0xnothex"),
            InvalidAddressError,
            "0xnothex",
        ),
        (
            "message odd calldata",
            lambda: io.send_message(900, 901, BOB, "0x123"),
            InputError,
            "0x123",
        ),
        (
            "unknown flow id",
            lambda: call(lambda: io.flow("deadbeefcafe")),
            InputError,
            "deadbeefcafe",
        ),
        (
            "ether too many decimals",
            lambda: call(lambda: ether("0.0000000000000000001")),
            InvalidAmountError,
            "decimal places",
        ),
        (
            "ether huge",
            lambda: call(lambda: ether("1" + "0" * 80)),
            InvalidAmountError,
            "uint256",
        ),
        (
            "parse_amount unit",
            lambda: call(lambda: parse_amount("1 bananas")),
            InvalidAmountError,
            "bananas",
        ),
        (
            "parse_address CAIP-10",
            lambda: call(lambda: io.parse_address(f"eip155:x:{BOB}")),
            InvalidAddressError,
            "'x'",
        ),
        (
            "transfer key as chain",
            lambda: io.transfer(PASTED, to=BOB, value=1),
            UnknownChainError,
            "redacted",
        ),
        ("key as flow id", lambda: call(lambda: io.flow(PASTED[2:])), InputError, "redacted"),
    ]


async def test_library_refuses_each_bad_input(devnet: Devnet, tmp_path: Path) -> None:
    _, clients = await _setup(devnet, tmp_path)
    before = await _nonces(clients)
    problems: list[str] = []
    async with Interop(
        list(devnet.chains.values()), account=KEY, journal=tmp_path / "lib.sqlite3"
    ) as io:
        for name, fn, cls, needle in _library_rows(io):
            try:
                await fn()
            except InteropError as exc:
                text = str(exc)
                if not isinstance(exc, cls):
                    problems.append(f"{name}: {type(exc).__name__}, not {cls.__name__}: {text}")
                if needle.lower() not in text.lower():
                    problems.append(f"{name}: {needle!r} not in {text!r}")
                if _leaks(text):
                    problems.append(f"{name}: key shown")
            else:
                problems.append(f"{name}: accepted")
    assert not problems, "\n".join(problems)
    assert await _nonces(clients) == before


def test_library_parsers_never_echo_a_key() -> None:
    from interop.addresses import parse_address_with_chain

    for fn in (
        lambda: parse_amount(PASTED),
        lambda: ether(PASTED[2:]),
        lambda: parse_address_with_chain(PASTED[2:]),
    ):
        with pytest.raises(InputError) as info:
            fn()
        assert not _leaks(str(info.value)), str(info.value)
