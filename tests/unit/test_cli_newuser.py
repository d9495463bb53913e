"""What a new user tripped on in the CLI (a README walkthrough): `--devnet` commands that reached
public RPCs and wrote to the real journal, messages without units or naming the wrong option.
Unit level, through the CLI's own entry point where it can be; no node is started (the chains
of the fake devnet file point at a closed port and are never dialled by these commands)."""

from __future__ import annotations

from pathlib import Path

import pytest

from interop.chains.registry import default_registry
from interop.cli.main import _flow_chains, _journal_path, _parser, devnet_chains_json, main

CLOSED = "http://127.0.0.1:9"
DEVNET_KEY = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # public anvil key 0
)


@pytest.fixture
def devnet_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A chain file as `interop devnet` writes it (devnet-l1 and devnet-op), and a user data
    dir of our own, so the real default journal is never touched."""
    reg = default_registry()
    f = tmp_path / "devnet-chains.json"
    f.write_text(
        devnet_chains_json([reg.get(n).with_rpc(CLOSED) for n in ("devnet-l1", "devnet-op")])
    )
    monkeypatch.setenv("INTEROP_DEVNET_FILE", str(f))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for name in ("INTEROP_JOURNAL", "INTEROP_CHAINS_FILE"):
        monkeypatch.delenv(name, raising=False)
    return f


def test_devnet_flow_commands_use_only_the_devnet_chains(devnet_file: Path) -> None:
    """`scan ADDR --devnet` sent the address to every built-in public RPC and waited 20 s for
    them to time out: with --devnet only the devnet's chains (and those named by --rpc) load."""
    args = _parser().parse_args(["scan", "0x" + "11" * 20, "--devnet"])
    assert sorted(c.id for c in _flow_chains(args)) == [900, 901]
    args = _parser().parse_args(["status", "--devnet", "--rpc", f"base={CLOSED}"])
    assert sorted(c.id for c in _flow_chains(args)) == [900, 901, 8453]
    # without --devnet the built-ins with public RPCs stay (production use)
    assert len(_flow_chains(_parser().parse_args(["status"]))) > 10


def test_devnet_commands_use_the_devnet_journal(
    devnet_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--devnet` flows went to the user's real journal, where production `status` / `resume`
    later met them as "unknown chain 901": they go beside the devnet's chain file instead."""
    beside = tmp_path / "devnet-chains.journal.sqlite3"
    assert main(["status", "--devnet"]) == 0
    assert beside.exists()
    assert not (tmp_path / "xdg").exists()
    # --journal and $INTEROP_JOURNAL still win
    assert (
        _journal_path(_parser().parse_args(["status", "--devnet", "--journal", "x.db"])) == "x.db"
    )
    monkeypatch.setenv("INTEROP_JOURNAL", str(tmp_path / "env.db"))
    assert _journal_path(_parser().parse_args(["status", "--devnet"])) is None
    assert _journal_path(_parser().parse_args(["status"])) is None


def test_a_devnet_chain_without_rpc_says_how_to_reach_it(
    devnet_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bridge --from devnet-op` without --devnet said "unknown chain 901" and listed 32 other
    chains: the chain is known, it only has no RPC URL, so say how to give it one."""
    monkeypatch.setenv("INTEROP_PRIVATE_KEY", DEVNET_KEY)
    argv = ["bridge", "--from", "devnet-op", "--to", "devnet-l1", "--value", "1ether", "--plan"]
    assert main([*argv, "--journal", ":memory:"]) == 2
    err = capsys.readouterr().err
    assert "devnet-op (901) has no RPC URL" in err, err
    assert "`interop devnet`" in err and "--devnet" in err and "--rpc devnet-op=URL" in err, err
    assert "did you mean" not in err, err
    # with --devnet, a chain the devnet file does not list says so
    assert main(["bridge", "--devnet", "--from", "devnet-op", "--to", "base", "--value", "1ether",
                 "--plan"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "Base (8453) is not a chain of the running devnet" in err, err
    assert "--rpc base=URL" in err, err
    # scan --chains and status --chain name chains the same way
    assert main(["scan", "0x" + "11" * 20, "--chains", "devnet-op", "--journal", ":memory:"]) == 2
    assert "`interop devnet`" in capsys.readouterr().err
    tx = "0x" + "22" * 32
    assert main(["status", tx, "--chain", "devnet-op", "--journal", ":memory:"]) == 2
    assert "`interop devnet`" in capsys.readouterr().err


def test_progress_lines_name_their_flow(capsys: pytest.CaptureFixture[str]) -> None:
    """`resume` drives flows concurrently: each plain progress line starts with its flow id."""
    from interop.adapters.base import Direction, FlowStatus, Status
    from interop.cli.main import _progress
    from interop.flows import FlowEvent, FlowState, HopState

    fs = FlowStatus(Status.WAITING_TO_PROVE, "waiting", "prove", 30, {}, None)
    hop = HopState(0, "opstack", Direction.L2_TO_L1, 901, 900, True, fs)
    st = FlowState(
        "3f9c2a1b44d0e7a2", Status.WAITING_TO_PROVE, "waiting", "prove", 30, 0, (hop,), None
    )
    show = _progress(_parser().parse_args(["resume"]))
    show(FlowEvent("waiting", st, seconds=2.0))
    show(FlowEvent("sent", st, step="prove", tx_hash="0x" + "ab" * 32))  # type: ignore[arg-type]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(x.startswith("3f9c2a1b44d0e7a2 [hop 1/1] ") for x in lines)


def test_watch_prints_a_skipped_flow_once_with_the_cli_option(devnet_file: Path) -> None:
    """`interop watch` printed every WARNING event twice (its own line, and Python's last-resort
    log handler), and the hint named the Python option `include_abandoned=True`. A separate
    process: pytest's own log capture would hide the duplicate."""
    import os
    import subprocess
    import sys

    from interop.journal import Journal

    j = Journal(str(devnet_file.parent / "j.db"))
    me = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # DEVNET_KEY's address
    fid = j.create_flow(kind="eth", source_chain=901, target_chain=900, value=1, recipient=me,
                        sender=me, hops=[("opstack", "l2-to-l1", 901, 900)])  # fmt: skip
    j.close()  # never signed: watch finds it abandoned and skips it
    env = {**os.environ, "INTEROP_PRIVATE_KEY": DEVNET_KEY}
    argv = ["watch", "--devnet", "--journal", "j.db", "--until-idle", "--timeout", "30"]
    p = subprocess.run(
        [sys.executable, "-m", "interop.cli", *argv],
        cwd=devnet_file.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert p.returncode == 0, p.stderr
    skipped = [x for x in p.stderr.splitlines() if "skipped" in x]
    assert len(skipped) == 1 and fid in skipped[0], p.stderr
    assert "`interop resume --include-abandoned`" in skipped[0], p.stderr
    assert "include_abandoned=True" not in p.stderr, p.stderr


def test_cli_wording_matches_the_library_text() -> None:
    """The CLI replaces the library's Python option names in hints (`include_abandoned=True`,
    "call wait()/complete() again") with what a CLI user types; each phrase it replaces must
    still be the library's, or the replacement silently stops happening."""
    import inspect

    from interop import flows, resume
    from interop.cli.main import _CLI_WORDING, _for_cli

    lib = " ".join(" ".join(inspect.getsource(m).split()) for m in (flows, resume))
    for phrase, cli in _CLI_WORDING:
        assert phrase in lib.replace('" "', ""), phrase
        assert _for_cli(f"x; {phrase}.") == f"x; {cli}."
    assert "`interop resume`" in _for_cli("it continues on chain; call wait()/complete() again"
                                          " or `interop resume`")  # fmt: skip


def test_a_plan_says_a_wait_is_not_estimated_instead_of_a_question_mark() -> None:
    """`bridge --plan` printed "prove after ?" and "first tx fee ?": say what is unknown."""
    from interop.adapters.base import Actor, Direction, FlowKind, PlannedStep
    from interop.routes import RoutePlan, RouteStep, derive_actions_and_waits

    reg = default_registry()
    op, l1 = reg.get("devnet-op"), reg.get("devnet-l1")
    planned = (
        PlannedStep("initiate", Actor.CALLER, 0),
        PlannedStep("prove", Actor.CALLER, None),
        PlannedStep("finalize", Actor.CALLER, 12),
    )
    actions, waits = derive_actions_and_waits(planned)
    step = RouteStep(0, "opstack", Direction.L2_TO_L1, op, l1, actions, waits,
                     fee_error="insufficient funds", planned=planned)  # fmt: skip
    text = RoutePlan(op, l1, FlowKind.ETH, 1, None, (step,)).describe()
    assert "?" not in text, text
    assert "prove once a proposal covers it (not estimated yet)" in text, text
    assert "finalize after 12s" in text, text
    assert "first tx fee not estimated (insufficient funds)" in text, text


@pytest.mark.parametrize(
    ("text", "says"),
    [("1.5wei", "'1.5wei': wei takes no decimal places"),
     ("1.0000000001gwei", "'1.0000000001gwei': gwei takes at most 9 decimal places"),
     ("0.0000000000000000001 ether", "ether takes at most 18 decimal places")],
)  # fmt: skip
def test_too_many_decimals_names_the_unit(
    text: str, says: str, devnet_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--value 1.5wei` said "'1.5' has more than 0 decimal places": name the unit."""
    argv = ["bridge", "--devnet", "--from", "devnet-op", "--to", "devnet-l1", "--value", text]
    assert main([*argv, "--journal", ":memory:"]) == 2
    err = capsys.readouterr().err
    assert says in err, err


def test_insufficient_funds_shows_units_and_unestimated_fees() -> None:
    """The bridge refusal read "needs 1000000 (value 1000000 + fees 0)": no unit, and fees 0
    where the fee estimate had failed (a node does not estimate a transaction whose value
    exceeds the balance). Amounts now carry their unit; an unknown fee is said to be unknown."""
    import asyncio

    from interop.adapters.base import FeeEstimate
    from interop.errors import InsufficientFundsError
    from interop.safety import check_funds

    class Broke:  # the one read check_funds makes: a balance of 5 wei
        chain = default_registry().get("devnet-l1")

        async def get_balance(self, address: str) -> int:
            return 5

    me = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(InsufficientFundsError) as info:
        asyncio.run(check_funds(Broke(), me, 10**6, None))  # type: ignore[arg-type]
    msg = info.value.message
    assert "has 0.000000000000000005 ETH (5 wei)" in msg, msg
    assert "needs 0.000000000001 ETH (1000000 wei)" in msg, msg
    assert "fees not estimated" in msg and "fees 0" not in msg, msg
    fee = FeeEstimate(initiate_gas=21000, max_fee_per_gas=10**9)
    with pytest.raises(InsufficientFundsError) as info:
        asyncio.run(check_funds(Broke(), me, 10**18, fee))  # type: ignore[arg-type]
    msg = info.value.message
    assert "needs 1.000021 ETH (value 1 ETH + first-transaction fees 0.000021 ETH)" in msg, msg


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`interop --version` was missing: it prints the installed package's version, exit 0."""
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"interop {version('interop')}"


def test_status_of_a_signed_transaction_without_receipt_says_how_to_resend(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Tried by hand: a send whose every broadcast was lost exits 3, and `interop status` then
    showed "pending (sent) ... who acts: nobody" with no word on what finishes it."""
    import argparse
    from types import SimpleNamespace

    from interop.adapters.base import Actor, Status
    from interop.cli.main import _print_state
    from interop.flows import FlowState

    tx = "0x" + "ab" * 32
    flow = SimpleNamespace(id="61d3ae253519498f", source=901, target=901, value=1, tx_hash=tx)
    pending = FlowState("61d3ae253519498f", Status.PENDING, "sent", None, None, 0, (), Actor.NOBODY)
    _print_state(argparse.Namespace(json=False), flow, pending)
    out = capsys.readouterr().out
    assert "`interop resume` re-sends the same signed bytes" in out
    assert f"first tx: {tx}" in out
    mined = FlowState("61d3ae253519498f", Status.FINALIZED, "mined", None, None, 0, ())
    _print_state(argparse.Namespace(json=False), flow, mined)
    assert "re-sends" not in capsys.readouterr().out
