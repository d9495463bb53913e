"""The journal on its own: records survive a reopen, signed transactions are committed before the
signature is returned, lookups by id prefix and by hash, and no key material is stored."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

import interop
from interop.adapters.base import Direction, FlowKind, FlowRef
from interop.errors import InputError, InsufficientFundsError, JournalError
from interop.journal import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Journal,
    RecordingSigner,
    decode_raw_tx,
    default_journal_path,
)
from interop.routes import AdapterRegistry
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


def test_a_prefix_is_literal_never_a_pattern() -> None:
    # SQL LIKE wildcards in a prefix must not match: `finalize ______` acting on "the only
    # flow" would be a flow the caller never named.
    with Journal(":memory:") as j:
        _flow(j, flow_id="abcdef01")
        for junk in ("______", "%%%%%%", "abc%ef", "abcde_"):
            with pytest.raises(InputError, match="no flow"):
                j.get(junk)
        assert j.get("abcdef").id == "abcdef01"


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


# ---------------------------------------------------------------- schema versioning (issue 8)
# The first release's schema, verbatim: it wrote no `user_version` and no sender/nonce per tx.
V1_SCHEMA = """
CREATE TABLE flows (id TEXT PRIMARY KEY, kind TEXT NOT NULL, source_chain INTEGER NOT NULL,
    target_chain INTEGER NOT NULL, value TEXT NOT NULL, recipient TEXT NOT NULL,
    sender TEXT NOT NULL, data TEXT NOT NULL DEFAULT '0x', options TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending', native TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0, error TEXT, created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE hops (flow_id TEXT NOT NULL REFERENCES flows(id), idx INTEGER NOT NULL,
    adapter TEXT NOT NULL, direction TEXT NOT NULL, source_chain INTEGER NOT NULL,
    target_chain INTEGER NOT NULL, ref TEXT, status TEXT NOT NULL DEFAULT 'pending',
    native TEXT NOT NULL DEFAULT '', PRIMARY KEY (flow_id, idx));
CREATE TABLE txs (seq INTEGER PRIMARY KEY AUTOINCREMENT, flow_id TEXT NOT NULL REFERENCES flows(id),
    hop INTEGER NOT NULL, step TEXT NOT NULL, chain_id INTEGER NOT NULL, tx_hash TEXT NOT NULL,
    raw TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'signed', created REAL NOT NULL);
CREATE INDEX txs_hash ON txs(tx_hash);
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, flow_id TEXT NOT NULL, at REAL NOT NULL,
    what TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
"""
TX = {"to": "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "value": 1, "gas": 21000,
      "maxFeePerGas": 10**9, "maxPriorityFeePerGas": 1, "nonce": 41, "chainId": 900}  # fmt: skip


def _v1_journal(path: Path) -> tuple[str, str]:
    """A journal as the first release left it: one flow, one signed tx, one cancelled flow."""
    signed = Account.sign_transaction(TX, KEY)
    h = to_hash32(bytes(signed.hash))
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    row = ("eth", 901, 900, "5", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
           Account.from_key(KEY).address, "0x", "{}", 1.0, 1.0)  # fmt: skip
    db.execute(
        "INSERT INTO flows (id, kind, source_chain, target_chain, value, recipient, sender, data,"
        " options, created, updated) VALUES ('f1',?,?,?,?,?,?,?,?,?,?)",
        row,
    )
    db.execute(
        "INSERT INTO flows (id, kind, source_chain, target_chain, value, recipient, sender, data,"
        " options, status, done, created, updated) VALUES ('f2',?,?,?,?,?,?,?,?,'cancelled',1,?,?)",
        row,
    )
    db.execute(
        "INSERT INTO hops (flow_id, idx, adapter, direction, source_chain, target_chain)"
        " VALUES ('f1', 0, 'opstack', 'l2-to-l1', 901, 900)"
    )
    db.execute(
        "INSERT INTO txs (flow_id, hop, step, chain_id, tx_hash, raw, created)"
        " VALUES ('f1', 0, 'initiate', 900, ?, ?, 2.0)",
        (h, "0x" + bytes(signed.raw_transaction).hex()),
    )
    db.commit()
    db.close()
    return "f1", h


def test_fresh_journal_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path).close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with Journal(path) as j:  # reopening a current journal changes nothing
        assert j.schema_version == SCHEMA_VERSION and j.flows() == []


def test_v1_journal_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    fid, h = _v1_journal(path)
    with Journal(path) as j:
        assert j.schema_version == SCHEMA_VERSION
        [tx] = j.txs(fid)
        # sender and nonce decoded from the signed bytes of the old row
        assert (tx.tx_hash, tx.sender, tx.nonce, tx.state) == (
            h, Account.from_key(KEY).address, 41, "signed",
        )  # fmt: skip
        assert j.get(fid).hops[0].adapter == "opstack"
        # the old "cancelled" (nothing signed) is the new "abandoned"
        assert j.get("f2").status == "abandoned" and j.get("f2").done
        assert [f.id for f in j.flows(unfinished=True)] == [fid]
    with Journal(path) as j:  # a second open does not migrate again
        assert len(j.txs(fid)) == 1 and j.txs(fid)[0].nonce == 41


def test_record_tx_stores_sender_and_nonce() -> None:
    with Journal(":memory:") as j:
        fid = _flow(j)
        signer = RecordingSigner(account_from_key(KEY), j, fid, 0, "initiate")
        signer.sign_transaction(TX)
        legacy = {k: v for k, v in TX.items() if not k.startswith("max")} | {
            "gasPrice": 7,
            "nonce": 3,
        }
        signer.sign_transaction(legacy)
        got = [(t.sender, t.nonce) for t in j.txs(fid)]
        assert got == [(Account.from_key(KEY).address, 41), (Account.from_key(KEY).address, 3)]
    assert decode_raw_tx(b"") is None and decode_raw_tx(b"\x7e\x01") is None


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        (f"PRAGMA user_version = {SCHEMA_VERSION + 1}", f"(journal schema {SCHEMA_VERSION + 1})"),
        ("PRAGMA user_version = 1", "unknown schema version 1"),
        ("ALTER TABLE txs DROP COLUMN nonce", "table txs: missing columns ['nonce']"),
        ("ALTER TABLE flows ADD COLUMN owner TEXT NOT NULL DEFAULT ''", "unexpected columns"),
        ("DROP TABLE events", "missing tables ['events']"),
        ("CREATE TABLE wallets (k TEXT)", "unexpected tables ['wallets']"),
    ],
)
def test_unexpected_schema_is_refused(tmp_path: Path, setup: str, said: str) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute(setup)
    db.commit()
    db.close()
    before = _digest(path)
    with pytest.raises(JournalError) as info:
        Journal(path)
    assert said in str(info.value) and str(path) in str(info.value)
    assert _digest(path) == before  # refused: not migrated, not touched


def test_foreign_database_and_garbage_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE flows (id TEXT, amount INTEGER NOT NULL)")  # someone else's file
    db.commit()
    db.close()
    before = _digest(other)
    with pytest.raises(JournalError, match="missing tables"):
        Journal(other)
    assert _digest(other) == before  # someone else's file is not switched to WAL or locked
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database, just text " * 200)
    with pytest.raises(JournalError) as info:
        Journal(junk)
    assert str(junk) in str(info.value)
    with pytest.raises(JournalError):
        Journal(tmp_path)  # a directory


def test_rows_that_do_not_decode_are_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        fid = _flow(j)
    db = sqlite3.connect(path)
    db.execute("UPDATE flows SET value = 'lots', options = '[1]' WHERE id = ?", (fid,))
    db.commit()
    db.close()
    with Journal(path) as j, pytest.raises(JournalError) as info:
        j.flows()
    assert fid in str(info.value) and str(path) in str(info.value)
    assert not isinstance(info.value.__cause__, sqlite3.Error)


def test_flow_id_lookup_never_echoes_a_key() -> None:
    with Journal(":memory:") as j, pytest.raises(InputError) as info:
        j.get(KEY)
    assert KEY[2:] not in str(info.value) and "redacted" in str(info.value)


def test_note_raised_rule() -> None:
    """The journal and the caller's error agree on whether anything may have been sent."""
    from interop.errors import RpcUnreachableError, TransactionReplacedError

    with Journal(":memory:") as j:
        nothing = _flow(j)
        err = j.note_raised(nothing, InsufficientFundsError("no", balance=0, required=1))
        assert j.get(nothing).status == "abandoned" and j.get(nothing).done
        assert not err.may_have_executed and err.flow_id == nothing

        maybe = _flow(j)
        RecordingSigner(account_from_key(KEY), j, maybe, 0, "initiate").sign_transaction(TX)
        h = j.txs(maybe)[0].tx_hash
        lost = j.note_raised(maybe, RpcUnreachableError("answer lost"))
        assert isinstance(lost, RpcUnreachableError)
        assert (lost.tx_hash, lost.flow_id, lost.may_have_executed) == (h, maybe, True)
        rec = j.get(maybe)
        assert (rec.status, rec.done) == ("sent", False)  # resume settles exactly that tx

        dead = _flow(j)
        RecordingSigner(account_from_key(KEY), j, dead, 0, "initiate").sign_transaction(TX)
        h2 = j.txs(dead)[0].tx_hash
        rep = j.note_raised(dead, TransactionReplacedError("used", tx_hash=h2, replaced_by="0x1"))
        assert not rep.may_have_executed
        assert (j.get(dead).status, j.get(dead).done, j.txs(dead)[0].state) == (
            "replaced", True, "replaced",
        )  # fmt: skip


# ---------------------------------------------------------------- upgrades (issue 9, item 6)
DATA = Path(__file__).resolve().parents[1] / "data"
PREVIOUS = DATA / "journal_v2.sqlite3"
"""Written by the previous release's own code (tests/data/README.md): flows in every state."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the previous release's journal (the stored file itself is never opened)."""
    copy = tmp_path / "journal.sqlite3"
    shutil.copyfile(PREVIOUS, copy)
    return copy, json.loads((DATA / "journal_v2.json").read_text())["flows"]


def _decode(ref: FlowRef) -> FlowRef:
    """Through the adapter's own ref codec, as the core does where a ref is used."""
    adapter = AdapterRegistry().get(ref.adapter)
    out = adapter.decode_ref(ref)
    assert isinstance(out, FlowRef) and out.version == adapter.ref_version
    return out


def test_previous_release_journal_migrates_and_reads(previous: tuple[Path, dict[str, str]]) -> None:
    path, ids = previous
    before = _digest(PREVIOUS)
    with Journal(path) as j:
        assert j.schema_version == SCHEMA_VERSION
        meta = j.meta()
        assert meta["schema_by"] == interop.__version__ and "created_by" not in meta
        assert f"migrated 2 to {SCHEMA_VERSION}" in meta
        got = {f.id: f for f in j.flows()}
        assert set(got) == set(ids.values())
        unfinished = {f.id for f in j.flows(unfinished=True)}
        want_open = {"op_withdrawal_initiated", "arb_withdrawal_initiated", "two_hop_midway"}
        assert unfinished == {ids[k] for k in want_open}

        op = got[ids["op_withdrawal_initiated"]]
        assert (op.kind, op.source_chain, op.target_chain, op.value) == (
            "eth",
            901,
            900,
            10**17 + 1,
        )
        [hop] = op.hops
        assert (hop.adapter, hop.direction, hop.source_chain, hop.target_chain) == (
            "opstack", "l2-to-l1", 901, 900,
        )  # fmt: skip
        assert hop.ref is not None and hop.ref.version == 1  # stored before refs had versions
        [tx] = j.txs(op.id)
        assert (tx.step, tx.chain_id, tx.state, tx.tx_hash) == (
            "initiate",
            901,
            "mined",
            hop.ref.tx_hash,
        )
        assert tx.sender == op.sender and tx.nonce is not None
        assert decode_raw_tx(tx.raw) == (tx.sender, tx.nonce)  # the signed bytes, intact
        assert j.find_by_tx(tx.tx_hash) == op

        arb = got[ids["arb_withdrawal_initiated"]]
        assert (arb.source_chain, arb.target_chain, arb.value, arb.hops[0].adapter) == (
            903, 900, 2 * 10**17 + 2, "arbitrum",
        )  # fmt: skip

        two = got[ids["two_hop_midway"]]
        assert [(h.adapter, h.direction) for h in two.hops] == [
            ("opstack", "l2-to-l1"), ("arbitrum", "l1-to-l2"),
        ]  # fmt: skip
        assert two.hops[0].ref is not None and two.hops[1].ref is None
        assert [(t.hop, t.step, t.state) for t in j.txs(two.id)] == [
            (0, "initiate", "mined"), (0, "prove", "mined"), (0, "finalize", "mined"),
        ]  # fmt: skip
        assert j.txs(two.id, hop=1) == [] and len(j.txs(two.id, hop=0)) == 3

        gone = got[ids["abandoned"]]
        assert (gone.status, gone.done, j.txs(gone.id)) == ("abandoned", True, [])
        assert gone.error is not None and "rejected" in gone.error
        native = got[ids["transfer_done"]]
        assert (native.kind, native.status, native.hops[0].adapter) == (
            "native",
            "finalized",
            "native",
        )
        for rec in got.values():
            assert rec.sender == got[ids["deposit_done"]].sender
            assert rec.created <= rec.updated and j.events(rec.id)[0][1] == "created"
            for h in rec.hops:
                if h.ref is not None:
                    decoded = _decode(h.ref)
                    assert (decoded.adapter, decoded.tx_hash) == (h.adapter, h.ref.tx_hash)
    with Journal(path) as j:  # migrated once: a second open changes nothing
        assert j.schema_version == SCHEMA_VERSION and len(j.flows()) == len(ids)
    assert _digest(PREVIOUS) == before


def test_read_only_never_writes_the_file(previous: tuple[Path, dict[str, str]]) -> None:
    path, ids = previous
    before = _digest(path)
    with Journal(path, read_only=True) as j:
        assert j.schema_version == SCHEMA_VERSION  # migrated in the in-memory copy only
        assert {f.id for f in j.flows()} == set(ids.values())
        with pytest.raises(JournalError, match="read-only"):
            j.add_event(ids["abandoned"], "poke")
    assert _digest(path) == before
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2
    with pytest.raises(JournalError, match="no journal"):
        Journal(path.with_name("missing.sqlite3"), read_only=True)


def _future(path: Path, *, by: str | None) -> str:
    """A journal as a later release might leave it: a newer schema, in rollback-journal mode
    (so even the WAL switch would change its header), with a table we do not know."""
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("CREATE TABLE wallets (k TEXT)")
    if by is None:
        db.execute("DROP TABLE meta")
    else:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_by'", (by,))
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 4}")
    db.commit()
    db.close()
    return _digest(path)


@pytest.mark.parametrize("read_only", [False, True])
def test_newer_journal_is_refused_and_left_byte_identical(tmp_path: Path, read_only: bool) -> None:
    path = tmp_path / "future.sqlite3"
    before = _future(path, by="7.3.1")
    with pytest.raises(JournalError) as info:
        Journal(path, read_only=read_only)
    said = str(info.value)
    assert f"written by interop 7.3.1 (journal schema {SCHEMA_VERSION + 4})" in said
    assert f"up to {SCHEMA_VERSION}" in said and str(path) in said and "not changed" in said
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.sqlite3"]
    other = tmp_path / "other" / "future.sqlite3"
    other.parent.mkdir()
    before = _future(other, by=None)
    with pytest.raises(JournalError, match="written by a newer interop release"):
        Journal(other)
    assert _digest(other) == before


def test_fresh_journal_records_its_release(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as j:
        assert j.meta() == {"created_by": interop.__version__, "schema_by": interop.__version__}


def test_migrations_are_numbered_steps_to_the_current_schema() -> None:
    assert [m.to for m in MIGRATIONS] == list(range(2, SCHEMA_VERSION + 1))
    assert all(m.why for m in MIGRATIONS)


def test_columns_are_read_by_name(tmp_path: Path) -> None:
    """Rows are read by column name: a table whose columns sit in another order (as a rebuilt
    or hand-repaired table may) reads the same values."""
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        fid = _flow(j, data=b"\x05", options={"a": 1})
        RecordingSigner(account_from_key(KEY), j, fid, 0, "initiate").sign_transaction(TX)
        want, want_txs = j.get(fid), j.txs(fid)
    db = sqlite3.connect(path)
    for table in ("flows", "hops", "txs"):
        cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        ddl = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
        shuffled = ", ".join(reversed(cols))
        db.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
        # same definitions, reversed column order
        body = ddl[ddl.index("(") + 1 : ddl.rindex(")")]
        lines = [line.strip().rstrip(",") for line in body.strip().splitlines()]
        defs = [d for d in lines if d.split()[0] in cols]
        rest = [d for d in lines if d.split()[0] not in cols]
        db.execute(f"CREATE TABLE {table} ({', '.join(list(reversed(defs)) + rest)})")
        db.execute(f"INSERT INTO {table} ({shuffled}) SELECT {shuffled} FROM old_{table}")
        db.execute(f"DROP TABLE old_{table}")
    db.commit()
    db.close()
    with Journal(path) as j:
        assert j.get(fid) == want and j.txs(fid) == want_txs


def test_refs_are_stored_with_their_codec_version(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    ref = FlowRef("opstack", Direction.L2_TO_L1, FlowKind.ETH, 901, 900,
                  to_hash32(b"\x22" * 32), {"shape": "new"}, version=7)  # fmt: skip
    with Journal(path) as j:
        fid = _flow(j)
        j.set_hop_ref(fid, 0, ref)
        assert j.get(fid).hops[0].ref == ref  # handed back as stored, never re-encoded
    stored = sqlite3.connect(path).execute("SELECT ref FROM hops WHERE idx = 0").fetchone()[0]
    assert json.loads(stored)["version"] == 7
