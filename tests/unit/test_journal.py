"""The journal on its own: records survive a reopen, signed transactions are committed before the
signature is returned, lookups by id prefix and by hash, and no key material is stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from interop.adapters.base import Direction, FlowKind, FlowRef
from interop.errors import InputError
from interop.journal import Journal, RecordingSigner, default_journal_path
from interop.signer import account_from_key
from interop.types import to_hash32

KEY = "0x" + "4c" * 32


def _flow(j: Journal, **kw: Any) -> str:
    args: dict[str, Any] = {
        "kind": "eth",
        "source_chain": 901,
        "target_chain": 903,
        "value": 10**18 + 1,
        "recipient": "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "sender": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "hops": [("opstack", "l2-to-l1", 901, 900), ("arbitrum", "l1-to-l2", 900, 903)],
    }
    args.update(kw)
    return j.create_flow(**args)


def test_flow_roundtrip_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        fid = _flow(j, data=b"\x01\x02", options={"force": True})
        ref = FlowRef(
            "opstack",
            Direction.L2_TO_L1,
            FlowKind.ETH,
            901,
            900,
            to_hash32(b"\x11" * 32),
            {"l2_block": 7},
        )
        j.set_hop_ref(fid, 0, ref)
        j.set_hop_status(fid, 0, "waiting-to-prove", "waiting-to-prove")
    with Journal(path) as j:  # a new process sees everything that was committed
        r = j.get(fid)
        assert r.value == 10**18 + 1 and r.data == b"\x01\x02" and r.options == {"force": True}
        assert [h.adapter for h in r.hops] == ["opstack", "arbitrum"]
        assert r.hops[0].ref == ref and r.hops[1].ref is None
        assert r.hops[0].status == "waiting-to-prove"
        assert j.get(fid[:6]).id == fid
        assert j.find_by_tx("0x" + "11" * 32) is not None  # by the hop's initiating hash
        assert [f.id for f in j.flows(unfinished=True)] == [fid]
        j.set_status(fid, "finalized", "finalized", done=True)
        assert j.flows(unfinished=True) == [] and len(j.flows()) == 1
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unknown_and_ambiguous_ids() -> None:
    with Journal(":memory:") as j:
        with pytest.raises(InputError):
            j.get("nope")
        _flow(j, flow_id="abcdef01")
        _flow(j, flow_id="abcdef02")
        with pytest.raises(InputError, match="ambiguous"):
            j.get("abcdef")
        assert j.get("abcdef02").id == "abcdef02"


def test_recording_signer_commits_before_returning(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    j = Journal(path)
    fid = _flow(j)
    seen: list[Any] = []
    # the hook runs after the commit and before the signature is handed back: another
    # connection (another process) must already see the row
    j.after_record = lambda rec: seen.append(
        sqlite3.connect(path).execute("SELECT tx_hash, step FROM txs").fetchall()
    )
    signer = RecordingSigner(account_from_key(KEY), j, fid, 0, "prove")
    tx = {"to": "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "value": 1, "gas": 21000,
          "maxFeePerGas": 10**9, "maxPriorityFeePerGas": 1, "nonce": 0, "chainId": 900}  # fmt: skip
    signed = signer.sign_transaction(tx)
    expected = Account.sign_transaction(tx, KEY)
    assert signed.raw_transaction == expected.raw_transaction
    h = to_hash32(bytes(expected.hash))
    assert seen == [[(h, "prove")]]
    [rec] = j.txs(fid)
    assert (rec.step, rec.chain_id, rec.tx_hash, rec.raw, rec.state) == (
        "prove", 900, h, bytes(expected.raw_transaction), "signed",
    )  # fmt: skip
    assert j.find_by_tx(h) is not None and j.find_by_tx(h).id == fid  # type: ignore[union-attr]
    j.set_tx_state(h, "mined")
    assert j.txs(fid, step="prove")[0].state == "mined"
    assert "prove" in [e[1].split()[-1] for e in j.events(fid)]
    # keys never reach the file or the repr
    assert KEY[2:] not in path.read_bytes().hex() and KEY[2:] not in repr(signer)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(signer)
    j.close()


def test_refuses_unsigned_chain_id() -> None:
    with Journal(":memory:") as j:
        fid = _flow(j)
        signer = RecordingSigner(account_from_key(KEY), j, fid, 0, "initiate")
        with pytest.raises(InputError):
            signer.sign_transaction({"to": "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "value": 1,
                                     "gas": 21000, "gasPrice": 1, "nonce": 0})  # fmt: skip
        assert j.txs(fid) == []  # nothing recorded for a transaction that was never signed


def test_default_path_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTEROP_JOURNAL", str(tmp_path / "x.db"))
    assert default_journal_path() == tmp_path / "x.db"
    monkeypatch.delenv("INTEROP_JOURNAL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_journal_path() == tmp_path / "interop" / "journal.sqlite3"
