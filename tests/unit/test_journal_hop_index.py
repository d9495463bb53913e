"""`Journal.find_by_tx` is index lookups, never a scan of every hop's ref (issue 14 at scale).

`interop scan` asks the journal once per candidate transaction whether it knows it; with the old
`ref LIKE '%"<hash>"%'` fallback, importing N flows into a journal of M cost N full scans of M
refs. Schema 4 keeps every hash a hop's ref names in the indexed `hop_txs` table, written with
the ref and back-filled when an older journal is opened. These tests pin: the query plans use
indexes only, the answers are the old scan's answers, the index is written atomically with the
ref, and a schema-3 journal (built with the old release's DDL, copied below) is migrated.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from interop.errors import JournalError
from interop.journal import SCHEMA_VERSION, Journal, RecordingSigner, ref_hashes
from interop.signer import account_from_key
from interop.types import to_hash32
from tests.helpers.journal_rows import KEY, SENDER, TX
from tests.helpers.journal_rows import flow as _flow
from tests.helpers.journal_rows import h as _h
from tests.helpers.journal_rows import ref as _ref


def _like_scan(db: sqlite3.Connection, h: str) -> set[str]:
    """The flows the schema-3 fallback matched: any JSON string in a ref equal to `h`."""
    rows = db.execute("SELECT flow_id FROM hops WHERE ref LIKE ?", (f'%"{h}"%',)).fetchall()
    return {str(r[0]) for r in rows}


def test_find_by_tx_plans_are_index_lookups() -> None:
    """Every statement `find_by_tx` runs searches an index: none scans hops, flows or txs
    (before schema 4: `SCAN hops` for the ref fallback, and `SCAN flows` for `get`'s prefix
    match of the found id). Checked on a hit in `txs`, a hit in a ref, and a miss."""
    with Journal(":memory:") as j:
        fid = _flow(j)
        j.set_hop_ref(fid, 0, _ref(_h(1), message_hash=_h(2)))
        signed = RecordingSigner(account_from_key(KEY), j, fid, 0, "prove").sign_transaction(TX)
        ran: list[str] = []
        j._db.set_trace_callback(ran.append)
        try:
            assert j.find_by_tx(to_hash32(bytes(signed.hash))).id == fid  # type: ignore[union-attr]
            assert j.find_by_tx(_h(2)).id == fid  # type: ignore[union-attr]
            assert j.find_by_tx(_h(3)) is None
        finally:
            j._db.set_trace_callback(None)
        selects = [q for q in ran if q.lstrip().upper().startswith("SELECT")]
        assert any("hop_txs" in q for q in selects)
        for q in selects:
            plan = " | ".join(str(r[3]) for r in j._db.execute("EXPLAIN QUERY PLAN " + q))
            assert "SCAN" not in plan.replace("COVERING INDEX", ""), (q, plan)


def test_answers_are_the_ref_scans_answers() -> None:
    """For every hash a ref names (its tx_hash, a data field, a nested or upper-case one) and for
    hashes it does not name (one inside a longer string, one only in a replaced ref), `find_by_tx`
    finds the flow the old `LIKE` scan found; a replaced ref stops naming its old hashes."""
    upper = "0x" + "AB" * 32
    with Journal(":memory:") as j:
        a, b = _flow(j), _flow(j)
        j.set_hop_ref(a, 0, _ref(_h(1), message_hash=_h(2), nested={"l2": [_h(3)]}))
        j.set_hop_ref(b, 1, _ref(_h(4), child_tx_hash=upper, calldata="0x00" + _h(5)[2:]))
        j.set_hop_ref(a, 1, _ref(_h(6), old=_h(7)))
        j.set_hop_ref(a, 1, _ref(_h(6), new=_h(8)))  # a ref rewritten (a codec upgrade)
        j.set_hop_ref(b, 2, _ref(_h(9)))  # a hop the flow does not have: nothing is stored
        for n in [*range(1, 10), 0xAB]:
            h = upper.lower() if n == 0xAB else _h(n)
            found = j.find_by_tx(h)
            scanned = _like_scan(j._db, h)
            assert ({found.id} if found else set()) == scanned, (n, scanned)
        assert j.find_by_tx(upper).id == b  # type: ignore[union-attr]
        assert j.find_by_tx(_h(5)) is None and j.find_by_tx(_h(7)) is None
        assert ref_hashes(_ref(_h(1), m=_h(2), again=_h(1)).to_json()) == [_h(1), _h(2)]


def test_earliest_flow_first_and_signed_transactions_first() -> None:
    """Two refs naming one hash (two imports of one message): the earlier flow, whatever its
    id. A transaction this journal signed wins over a ref naming it (as before)."""
    with Journal(":memory:") as j:
        first, later = _flow(j, "ffff0001"), _flow(j, "0000aaaa")
        j.set_hop_ref(later, 0, _ref(_h(1), message_hash=_h(9)))
        j.set_hop_ref(first, 0, _ref(_h(2), message_hash=_h(9)))
        assert j.find_by_tx(_h(9)).id == first  # type: ignore[union-attr]
        signer = _flow(j, "5555")
        signed = RecordingSigner(account_from_key(KEY), j, signer, 0, "x").sign_transaction(TX)
        h = to_hash32(bytes(signed.hash))
        j.set_hop_ref(first, 1, _ref(_h(3), relay=h))
        assert j.find_by_tx(h).id == signer  # type: ignore[union-attr]


def test_index_is_written_in_the_refs_transaction(tmp_path: Path) -> None:
    """The index row and the ref commit together: when writing the index fails, the ref is not
    stored either (a ref the index does not know would be invisible to `scan`)."""
    with Journal(tmp_path / "j.sqlite3") as j:
        fid = _flow(j)
        j._db.execute(
            "CREATE TEMP TRIGGER full BEFORE INSERT ON main.hop_txs"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        with pytest.raises(JournalError, match="disk full"):
            j.set_hop_ref(fid, 0, _ref(_h(1)))
        j._db.execute("DROP TRIGGER full")
        assert j.get(fid).hops[0].ref is None and j.find_by_tx(_h(1)) is None
        j.set_hop_ref(fid, 0, _ref(_h(1)))
        assert j.find_by_tx(_h(1)).id == fid  # type: ignore[union-attr]


# ---------------------------------------------------------------- migration from schema 3
# The schema-3 release's DDL, verbatim (interop/journal.py `_TABLES` and `_INDEXES` at schema 3).
V3_SCHEMA = """
CREATE TABLE flows (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, source_chain INTEGER NOT NULL,
    target_chain INTEGER NOT NULL, value TEXT NOT NULL, recipient TEXT NOT NULL,
    sender TEXT NOT NULL, data TEXT NOT NULL DEFAULT '0x', options TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending', native TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0, error TEXT, created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE hops (
    flow_id TEXT NOT NULL REFERENCES flows(id), idx INTEGER NOT NULL, adapter TEXT NOT NULL,
    direction TEXT NOT NULL, source_chain INTEGER NOT NULL, target_chain INTEGER NOT NULL,
    ref TEXT, status TEXT NOT NULL DEFAULT 'pending', native TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (flow_id, idx));
CREATE TABLE txs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, flow_id TEXT NOT NULL REFERENCES flows(id),
    hop INTEGER NOT NULL, step TEXT NOT NULL, chain_id INTEGER NOT NULL, tx_hash TEXT NOT NULL,
    raw TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'signed', created REAL NOT NULL,
    sender TEXT NOT NULL DEFAULT '', nonce INTEGER);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, flow_id TEXT NOT NULL, at REAL NOT NULL,
    what TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS txs_hash ON txs(tx_hash);
INSERT INTO meta VALUES ('created_by', '0.3.0'), ('schema_by', '0.3.0');
PRAGMA user_version = 3;
"""
V3_REFS = {  # flow id -> (created, hop 0's ref as the schema-3 release stored it)
    "f_old": (1.0, _ref(_h(11), message_hash=_h(12)).to_json()),
    "f_new": (2.0, _ref(_h(21), child_tx_hash="0x" + "CD" * 32, again=_h(12)).to_json()),
    "f_v1": (3.0, '{"adapter": "opstack", "data": {"l2_block": 7}, "direction": "l2-to-l1",'
             f' "kind": "eth", "source_chain": 901, "target_chain": 900, "tx_hash": "{_h(31)}"}}'),
    "f_none": (4.0, None),
}  # fmt: skip


def _v3_journal(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(V3_SCHEMA)
    for fid, (created, ref) in V3_REFS.items():
        db.execute(
            "INSERT INTO flows (id, kind, source_chain, target_chain, value, recipient, sender,"
            " created, updated) VALUES (?, 'eth', 901, 900, '1', ?, ?, ?, ?)",
            (fid, SENDER, SENDER, created, created),
        )
        db.execute(
            "INSERT INTO hops (flow_id, idx, adapter, direction, source_chain, target_chain,"
            " ref) VALUES (?, 0, 'opstack', 'l2-to-l1', 901, 900, ?)",
            (fid, ref),
        )
    db.commit()
    db.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _expected(j: Journal) -> None:
    want = {_h(11): "f_old", _h(12): "f_old", _h(21): "f_new", "0x" + "cd" * 32: "f_new",
            _h(31): "f_v1", _h(99): None}  # fmt: skip
    for h, fid in want.items():
        got = j.find_by_tx(h)
        assert (got.id if got else None) == fid, h


def test_schema_3_journal_is_migrated_and_back_filled(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    _v3_journal(path)
    with Journal(path) as j:
        assert j.schema_version == SCHEMA_VERSION == 4
        assert "migrated 3 to 4" in j.meta() and j.meta()["created_by"] == "0.3.0"
        rows = j._db.execute("SELECT flow_id, idx, tx_hash FROM hop_txs").fetchall()
        assert sorted(tuple(r) for r in rows) == sorted(
            [("f_old", 0, _h(11)), ("f_old", 0, _h(12)), ("f_new", 0, _h(21)),
             ("f_new", 0, "0x" + "cd" * 32), ("f_new", 0, _h(12)), ("f_v1", 0, _h(31))]
        )  # fmt: skip
        _expected(j)
        j.set_hop_ref("f_none", 0, _ref(_h(41)))  # and new refs are indexed as they come
        assert j.find_by_tx(_h(41)).id == "f_none"  # type: ignore[union-attr]
    with Journal(path) as j:  # migrated once: reopening changes nothing
        assert len(j._db.execute("SELECT * FROM hop_txs").fetchall()) == 7
        assert [k for k in j.meta() if k.startswith("migrated")] == ["migrated 3 to 4"]


def test_schema_3_journal_read_only_is_indexed_in_memory_only(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    _v3_journal(path)
    before = _digest(path)
    with Journal(path, read_only=True) as j:
        assert j.schema_version == SCHEMA_VERSION
        _expected(j)
    assert _digest(path) == before
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3


def test_newer_journal_is_still_refused(tmp_path: Path) -> None:
    """A journal of schema 5 (a later release) is refused by this one, untouched."""
    path = tmp_path / "v5.sqlite3"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = _digest(path)
    with pytest.raises(JournalError, match=f"reads journal schemas up to {SCHEMA_VERSION}"):
        Journal(path)
    assert _digest(path) == before


def test_previous_release_refs_are_back_filled(tmp_path: Path) -> None:
    """The previous release's journal (tests/data, real OP Stack and Arbitrum refs): after the
    migration every hash any of its refs names leads to that ref's flow, as the scan did."""
    path = tmp_path / "v2.sqlite3"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "data" / "journal_v2.sqlite3", path)
    with Journal(path) as j:
        refs = j._db.execute("SELECT flow_id, ref FROM hops WHERE ref IS NOT NULL").fetchall()
        assert refs
        named = {h for r in refs for h in ref_hashes(str(r["ref"]))}
        assert len(named) > len(refs)  # data fields name hashes too, not only tx_hash
        for h in named:
            in_txs = j._db.execute("SELECT 1 FROM txs WHERE tx_hash = ?", (h,)).fetchone()
            found = j.find_by_tx(h)
            assert found is not None
            if in_txs is None:
                assert found.id in _like_scan(j._db, h)
