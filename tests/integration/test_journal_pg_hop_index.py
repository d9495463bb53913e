"""The PostgreSQL journal's `find_by_tx` is index lookups too (schema 4's `hop_txs`), and a
journal the schema-3 release created is upgraded when a worker of this release opens it.

On a real server (tests/helpers/postgres.py), like tests/integration/test_pg_journal.py: the
index is written in the ref's transaction, its answers are the old `ref LIKE` scan's, the plan
searches the index, a schema-3 journal (built with that release's DDL, copied below) is
back-filled once even when workers start together, read-only leaves it alone, and a journal of a
newer schema is refused untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from interop.errors import JournalError
from interop.journal import SCHEMA_VERSION, Journal, RecordingSigner
from interop.signer import account_from_key
from interop.types import to_hash32
from tests.helpers.journal_rows import KEY, SENDER, TX
from tests.helpers.journal_rows import flow as _flow
from tests.helpers.journal_rows import h as _h
from tests.helpers.journal_rows import ref as _ref
from tests.helpers.postgres import PgServer, find_bin, open_together, pg_server

pytestmark = pytest.mark.skipif(
    find_bin() is None, reason="PostgreSQL server binaries (initdb, postgres) are not installed"
)
psycopg = pytest.importorskip("psycopg", reason="psycopg 3 (the postgres extra) is not installed")


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    with pg_server() as s:
        yield s


def _sql(url: str, *statements: str) -> list[Any]:
    with psycopg.connect(url, autocommit=True) as c:
        out: list[Any] = []
        for s in statements:
            cur = c.execute(s)
            out = cur.fetchall() if cur.description else []
        return out


def test_refs_are_indexed_and_found_like_the_scan_found_them(server: PgServer) -> None:
    url = server.create_db()
    upper = "0x" + "AB" * 32
    with Journal(url) as j:
        later, first = _flow(j, "ffff0002"), _flow(j, "0000aaaa")
        _sql(url, "UPDATE flows SET created = created - 60 WHERE id = 'ffff0002'")
        later, first = first, later  # ffff0002 is now the earlier flow
        j.set_hop_ref(first, 0, _ref(_h(1), message_hash=_h(9), nested={"l2": [upper]}))
        j.set_hop_ref(later, 0, _ref(_h(2), message_hash=_h(9), calldata="0x00" + _h(5)[2:]))
        j.set_hop_ref(later, 1, _ref(_h(3), old=_h(7)))
        j.set_hop_ref(later, 1, _ref(_h(3), new=_h(8)))  # rewritten: _h(7) is no longer named
        j.set_hop_ref(later, 2, _ref(_h(6)))  # a hop the flow does not have: nothing is stored
        for n in [1, 2, 3, 5, 6, 7, 8, 9, 0xAB]:
            h = upper.lower() if n == 0xAB else _h(n)
            rows = _sql(url, f"SELECT flow_id FROM hops WHERE lower(ref) LIKE '%\"{h}\"%'")
            found, scanned = j.find_by_tx(h), {r[0] for r in rows}
            assert (found is None) == (not scanned) and (found is None or found.id in scanned), n
        assert j.find_by_tx(_h(9)).id == first  # type: ignore[union-attr]  # earliest flow
        assert j.find_by_tx(upper).id == first  # type: ignore[union-attr]
        signed = RecordingSigner(account_from_key(KEY), j, later, 0, "x").sign_transaction(TX)
        h = to_hash32(bytes(signed.hash))
        j.set_hop_ref(first, 1, _ref(_h(4), relay=h))
        assert j.find_by_tx(h).id == later  # type: ignore[union-attr]  # signed here: first
        assert j.schema_version == SCHEMA_VERSION == 4
    plan = _sql(
        url,
        "SET enable_seqscan = off",  # a handful of rows: the planner would scan anyway
        f"EXPLAIN SELECT flow_id FROM hop_txs WHERE tx_hash = '{_h(9)}'",
    )
    assert "hop_txs_hash" in " ".join(r[0] for r in plan)


def test_index_is_written_in_the_refs_transaction(server: PgServer) -> None:
    url = server.create_db()
    with Journal(url) as j:
        fid = _flow(j)
        _sql(
            url,
            "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
            "CREATE TRIGGER disk_full BEFORE INSERT ON hop_txs FOR EACH ROW EXECUTE FUNCTION full_disk()",
        )
        with pytest.raises(JournalError, match="disk full"):
            j.set_hop_ref(fid, 0, _ref(_h(1)))
        _sql(url, "DROP TRIGGER disk_full ON hop_txs")
        assert j.get(fid).hops[0].ref is None and j.find_by_tx(_h(1)) is None
        j.set_hop_ref(fid, 0, _ref(_h(1)))
        assert j.find_by_tx(_h(1)).id == fid  # type: ignore[union-attr]


# The schema-3 release's DDL (interop/journal_pg.py `_DDL` at schema 3), and its meta rows.
V3_DDL = (
    """CREATE TABLE flows (id TEXT PRIMARY KEY, kind TEXT NOT NULL,
    source_chain BIGINT NOT NULL, target_chain BIGINT NOT NULL, value TEXT NOT NULL,
    recipient TEXT NOT NULL, sender TEXT NOT NULL, data TEXT NOT NULL DEFAULT '0x',
    options TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL DEFAULT 'pending',
    native TEXT NOT NULL DEFAULT '', done INTEGER NOT NULL DEFAULT 0, error TEXT,
    created DOUBLE PRECISION NOT NULL, updated DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE hops (flow_id TEXT NOT NULL REFERENCES flows(id), idx INTEGER NOT NULL,
    adapter TEXT NOT NULL, direction TEXT NOT NULL, source_chain BIGINT NOT NULL,
    target_chain BIGINT NOT NULL, ref TEXT, status TEXT NOT NULL DEFAULT 'pending',
    native TEXT NOT NULL DEFAULT '', PRIMARY KEY (flow_id, idx))""",
    """CREATE TABLE txs (seq BIGSERIAL PRIMARY KEY, flow_id TEXT NOT NULL REFERENCES flows(id),
    hop INTEGER NOT NULL, step TEXT NOT NULL, chain_id BIGINT NOT NULL, tx_hash TEXT NOT NULL,
    raw TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'signed', created DOUBLE PRECISION NOT NULL,
    sender TEXT NOT NULL DEFAULT '', nonce BIGINT)""",
    """CREATE TABLE events (seq BIGSERIAL PRIMARY KEY, flow_id TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL, what TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '')""",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE leases (flow_id TEXT PRIMARY KEY REFERENCES flows(id), owner TEXT,
    until DOUBLE PRECISION NOT NULL DEFAULT 0, due DOUBLE PRECISION NOT NULL DEFAULT 0)""",
    "CREATE INDEX txs_hash ON txs(tx_hash)",
    "CREATE INDEX txs_flow ON txs(flow_id)",
    "CREATE INDEX flows_done ON flows(done, created)",
    "INSERT INTO meta VALUES ('created_by', '0.3.0'), ('schema_by', '0.3.0'),"
    " ('schema_version', '3')",
)
V3_REFS = {  # flow id -> (created, hop 0's ref as the schema-3 release stored it)
    "f_old": (1.0, _ref(_h(11), message_hash=_h(12)).to_json()),
    "f_new": (2.0, _ref(_h(21), child_tx_hash="0x" + "CD" * 32, again=_h(12)).to_json()),
    "f_none": (3.0, None),
}
WANT = {_h(11): "f_old", _h(12): "f_old", _h(21): "f_new", "0x" + "cd" * 32: "f_new", _h(99): None}


def _v3_journal(server: PgServer) -> str:
    url = server.create_db()
    with psycopg.connect(url, autocommit=True) as c:
        for ddl in V3_DDL:
            c.execute(ddl)
        for fid, (created, ref) in V3_REFS.items():
            c.execute(
                "INSERT INTO flows (id, kind, source_chain, target_chain, value, recipient,"
                " sender, created, updated) VALUES (%s, 'eth', 901, 900, '1', %s, %s, %s, %s)",
                (fid, SENDER, SENDER, created, created),
            )
            c.execute(
                "INSERT INTO hops (flow_id, idx, adapter, direction, source_chain, target_chain,"
                " ref) VALUES (%s, 0, 'opstack', 'l2-to-l1', 901, 900, %s)",
                (fid, ref),
            )
    return url


def _found(j: Journal) -> dict[str, str | None]:
    return {h: (f.id if (f := j.find_by_tx(h)) else None) for h in WANT}


def _tables(url: str) -> set[str]:
    rows = _sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows}


def test_schema_3_journal_read_only_then_migrated_once(server: PgServer) -> None:
    url = _v3_journal(server)
    with Journal(url, read_only=True) as j:  # never written: answered by the old scan
        assert j.schema_version == 3 and _found(j) == WANT
    assert "hop_txs" not in _tables(url)

    # several workers of the new release start together
    assert open_together(url) == []
    rows = _sql(url, "SELECT flow_id, idx, tx_hash FROM hop_txs ORDER BY 1, 3")
    assert sorted(rows) == sorted(
        [("f_old", 0, _h(11)), ("f_old", 0, _h(12)), ("f_new", 0, _h(21)),
         ("f_new", 0, "0x" + "cd" * 32), ("f_new", 0, _h(12))]
    )  # fmt: skip
    with Journal(url) as j:
        assert j.schema_version == SCHEMA_VERSION and _found(j) == WANT
        meta = j.meta()
        assert [k for k in meta if k.startswith("migrated")] == ["migrated 3 to 4"]
        assert meta["created_by"] == "0.3.0" and meta["schema_by"] != "0.3.0"
        j.set_hop_ref("f_none", 0, _ref(_h(41)))
        assert j.find_by_tx(_h(41)).id == "f_none"  # type: ignore[union-attr]


def test_newer_journal_is_refused_untouched(server: PgServer) -> None:
    url = _v3_journal(server)
    _sql(url, f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'")
    for read_only in (False, True):
        with pytest.raises(JournalError, match=f"reads schemas up to {SCHEMA_VERSION}"):
            Journal(url, read_only=read_only)
    assert "hop_txs" not in _tables(url)
    assert _sql(url, "SELECT count(*) FROM meta")[0][0] == 3
