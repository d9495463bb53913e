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
