"""The journal over PostgreSQL, for several `interop watch` workers on one or several machines.

Why: the SQLite journal is one file on one machine. An operator with thousands of flows in flight
runs several workers; they need one shared record, and each step of each flow must be performed
by exactly one of them. This is the same `Journal` (same methods, same rows, same delivery rule:
see `interop.journal`), stored in PostgreSQL (psycopg 3, the `postgres` extra), selected by a URL:
`Interop(journal="postgresql://user@host/db")`, `--journal postgresql://...`.

Leases (what `interop.watch` uses): a worker claims flows with `claim()`, which takes rows of the
`leases` table with `FOR UPDATE SKIP LOCKED` (two workers never get the same flow) and stamps
them with its owner id and an expiry (`ttl` seconds, on the database's clock, so machines' clocks
do not matter). A worker renews its leases while it works (`renew`) and gives a flow back with
the time it is next due (`release(due=...)`). A worker killed mid-step simply stops renewing: its
leases expire and another worker claims those flows, whose `complete()` first settles what the
dead worker signed (same bytes re-broadcast, fate looked up), exactly as `resume` does after a
crash.

Fencing (the signed-before-broadcast rule across workers): `record_tx` is where a signed
transaction is committed before it can be broadcast. It locks the flow's lease row and refuses
(`JournalError`, raised inside `sign_transaction`, so the bytes never reach a node) when another
worker holds a live lease on the flow, or when this journal belongs to a worker (`owner` set)
whose own lease on it has expired. A worker that stalled past its lease can therefore never sign
next to the worker that took its flow over.

Schema: the same version numbers as the SQLite journal (`interop.journal.SCHEMA_VERSION`), kept
in `meta` (`schema_version`). Opening creates what is missing and upgrades an older journal with
`_MIGRATIONS`, inside one transaction under an advisory lock (all or nothing; two workers starting
at once migrate it once); a journal of a newer schema is refused with a `JournalError` before
anything is written. A read-only journal of an older schema is read as it is (schema 3 has no
`hop_txs`: `find_by_tx` then scans the refs, as schema 3 did).

Calls are synchronous, like the SQLite journal's: each is one short round trip to the database,
and keeping them inline keeps "committed before sent" obvious. One connection per journal,
serialized by a lock (a worker's tasks share it).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from interop.errors import InputError, JournalError
from interop.journal import _FLOW_COLS, SCHEMA_VERSION, Journal, _release, decode_raw_tx
from interop.safety import redact_secrets
from interop.types import to_hash32

__all__ = ["PgJournal", "is_postgres_url"]

_SCHEMES = ("postgresql://", "postgres://")

_DDL = (
    """CREATE TABLE IF NOT EXISTS flows (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source_chain BIGINT NOT NULL,
    target_chain BIGINT NOT NULL,
    value TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '0x',
    options TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending',
    native TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created DOUBLE PRECISION NOT NULL,
    updated DOUBLE PRECISION NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS hops (
    flow_id TEXT NOT NULL REFERENCES flows(id),
    idx INTEGER NOT NULL,
    adapter TEXT NOT NULL,
    direction TEXT NOT NULL,
    source_chain BIGINT NOT NULL,
    target_chain BIGINT NOT NULL,
    ref TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    native TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (flow_id, idx)
)""",
    """CREATE TABLE IF NOT EXISTS txs (
    seq BIGSERIAL PRIMARY KEY,
    flow_id TEXT NOT NULL REFERENCES flows(id),
    hop INTEGER NOT NULL,
    step TEXT NOT NULL,
    chain_id BIGINT NOT NULL,
    tx_hash TEXT NOT NULL,
    raw TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'signed',
    created DOUBLE PRECISION NOT NULL,
    sender TEXT NOT NULL DEFAULT '',
    nonce BIGINT
)""",
    """CREATE TABLE IF NOT EXISTS events (
    seq BIGSERIAL PRIMARY KEY,
    flow_id TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    what TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)""",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS leases (
    flow_id TEXT PRIMARY KEY REFERENCES flows(id),
    owner TEXT,
    until DOUBLE PRECISION NOT NULL DEFAULT 0,
    due DOUBLE PRECISION NOT NULL DEFAULT 0
)""",
    """CREATE TABLE IF NOT EXISTS hop_txs (
    flow_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    PRIMARY KEY (flow_id, idx, tx_hash),
    FOREIGN KEY (flow_id, idx) REFERENCES hops(flow_id, idx)
)""",
    "CREATE INDEX IF NOT EXISTS txs_hash ON txs(tx_hash)",
    "CREATE INDEX IF NOT EXISTS txs_flow ON txs(flow_id)",
    "CREATE INDEX IF NOT EXISTS hop_txs_hash ON hop_txs(tx_hash)",
    "CREATE INDEX IF NOT EXISTS flows_done ON flows(done, created)",
)
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    4: (
        # the hashes `ref_hashes` finds, found by the server (same pattern), for every stored ref
        """INSERT INTO hop_txs (flow_id, idx, tx_hash)
SELECT DISTINCT h.flow_id, h.idx, lower(m[1])
FROM hops h CROSS JOIN LATERAL regexp_matches(h.ref, '"(0x[0-9a-fA-F]{64})"', 'g') AS m
WHERE h.ref IS NOT NULL
ON CONFLICT DO NOTHING""",
        "ANALYZE hop_txs",  # statistics now, not whenever autovacuum comes by
    ),
}
"""What upgrades a PostgreSQL journal of schema `n - 1` to `n`, run after `_DDL` has created any
new table: the first PostgreSQL journal was schema 3 (so steps start at 4), and `_DDL` only
creates what is missing, so a step holds what filling the new tables of an existing journal
takes (the SQLite journal's `MIGRATIONS` do the same there)."""
assert sorted(_MIGRATIONS) == list(range(4, SCHEMA_VERSION + 1))
_NOW = "extract(epoch from clock_timestamp())::double precision"
_SCHEMA_LOCK = 0x1E7E_50C4
"""Advisory lock key held while the schema is created, so two workers starting at once do not
race their CREATE TABLEs."""


def is_postgres_url(target: object) -> bool:
    """True for a `postgresql://` / `postgres://` URL (the journal argument that selects us)."""
    return isinstance(target, str) and target.startswith(_SCHEMES)


def _shown(url: str) -> str:
    """The URL without its password (journals are named in errors and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    host = netloc[-1]
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, ""))


_PLACEHOLDER = re.compile(r"\?")


class _Conn:
    """The sliver of `sqlite3.Connection` the shared `Journal` code uses (`execute` with `?`
    placeholders, rows readable by column name), over one psycopg connection."""

    def __init__(self, conn: Any) -> None:
        self._c = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self._c.execute(_PLACEHOLDER.sub("%s", sql), tuple(args))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._c.cursor() as cur:
            cur.executemany(_PLACEHOLDER.sub("%s", sql), [tuple(r) for r in rows])


class PgJournal(Journal):
    """`Journal` over PostgreSQL, plus leases for several workers (module docstring)."""

    def __init__(
        self,
        path: Any = None,
        *,
        read_only: bool = False,
        owner: str | None = None,
    ) -> None:
        """Connect to the database at URL `path` and create the schema if it is empty.

        `owner`: this worker's id; set it (or `Journal.owner`) before claiming flows, and
        signing for a flow then requires this worker's live lease on it."""
        if not is_postgres_url(path):
            raise InputError(f"a PostgreSQL journal needs a postgresql:// URL, got {path!r}")
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise JournalError(
                "a postgresql:// journal needs psycopg 3",
                hint="pip install 'interop[postgres]'",
            ) from None
        self._psycopg = psycopg
        self.path = _shown(str(path))
        self.read_only = read_only
        self.owner = owner
        self._lock = threading.RLock()
        self._closed = False
        self.after_record = None
        try:
            self._pg = psycopg.connect(str(path), autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            raise JournalError(
                f"cannot open the journal {self.path}: {redact_secrets(str(exc))[:300]}"
            ) from None
        try:
            self._create()
        except BaseException:
            self._pg.close()
            raise

    def __repr__(self) -> str:
        return f"PgJournal({self.path!r})"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pg.close()

    # ------------------------------------------------------------------ schema
    def _create(self) -> None:
        pg: Any = self._pg
        with self._wrap(), pg.transaction():
            pg.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            has_meta = pg.execute("SELECT to_regclass('meta') AS t").fetchone()["t"]
            version = SCHEMA_VERSION
            if has_meta is not None:
                row = pg.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                version = int(row["value"]) if row else 0
                if version > SCHEMA_VERSION:
                    raise JournalError(
                        f"the journal {self.path} has journal schema {version}; this release,"
                        f" interop {_release()}, reads schemas up to {SCHEMA_VERSION}. It was"
                        " not changed.",
                        hint="upgrade interop to use this journal; nothing was sent",
                    )
            if self.read_only:
                if has_meta is None:
                    raise JournalError(f"no journal at {self.path}")
                self._hop_index = version >= 4  # an older one is read as it is: never written
                return
            for ddl in _DDL:
                self._pg.execute(ddl)
            release = _release()
            if version < SCHEMA_VERSION:  # an existing journal of an older schema: upgrade it
                for to in range(max(version, 3) + 1, SCHEMA_VERSION + 1):
                    for sql in _MIGRATIONS[to]:
                        self._pg.execute(sql)
                self._pg.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', %s), ('schema_by',"
                    " %s), (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (
                        str(SCHEMA_VERSION),
                        release,
                        f"migrated {version} to {SCHEMA_VERSION}",
                        f"{release} {time.time()}",
                    ),
                )
            self._pg.execute(
                "INSERT INTO meta (key, value) VALUES ('created_by', %s), ('schema_by', %s),"
                " ('schema_version', %s) ON CONFLICT (key) DO NOTHING",
                (release, release, str(SCHEMA_VERSION)),
            )

    @property
    def schema_version(self) -> int:
        with self._read() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row["value"]) if row else 0

    def meta(self) -> dict[str, str]:
        return {k: v for k, v in super().meta().items() if k != "schema_version"}

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _wrap(self) -> Iterator[None]:
        try:
            yield
        except self._psycopg.Error as exc:
            raise self._bad(redact_secrets(str(exc))[:300]) from None

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        if self._closed:
            raise JournalError("the journal is closed")
        if self.read_only:
            raise JournalError(
                f"the journal {self.path} was opened read-only: nothing can be recorded"
            )
        with self._lock, self._wrap(), self._pg.transaction():
            yield _Conn(self._pg)

    @contextmanager
    def _read(self) -> Iterator[Any]:
        if self._closed:
            raise JournalError("the journal is closed")
        with self._lock, self._wrap():
            yield _Conn(self._pg)

    # ------------------------------------------------------------------ writes
    def create_flow(self, **kwargs: Any) -> str:  # type: ignore[override]
        fid = super().create_flow(**kwargs)
        with self._tx() as db:
            db.execute("INSERT INTO leases (flow_id) VALUES (?) ON CONFLICT DO NOTHING", (fid,))
        return fid

    def record_tx(
        self, flow_id: str, hop: int, step: str, chain_id: int, tx_hash: str, raw: bytes
    ) -> int:
        """Commit a signed transaction, under the flow's lease (module docstring: fencing)."""
        decoded = decode_raw_tx(raw)
        sender, nonce = decoded if decoded is not None else ("", None)
        h = to_hash32(tx_hash)
        with self._tx() as db:
            lease = db.execute(
                f"SELECT owner, until, {_NOW} AS now FROM leases WHERE flow_id = ? FOR UPDATE",
                (flow_id,),
            ).fetchone()
            self._fence(flow_id, lease)
            seq = db.execute(
                "INSERT INTO txs (flow_id, hop, step, chain_id, tx_hash, raw, created, sender,"
                " nonce) VALUES (?,?,?,?,?,?,?,?,?) RETURNING seq",
                (flow_id, hop, step, chain_id, h, "0x" + raw.hex(), time.time(), sender, nonce),
            ).fetchone()["seq"]
            db.execute(
                "INSERT INTO events (flow_id, at, what, detail) VALUES (?,?,?,?)",
                (flow_id, time.time(), f"signed {step}", h),
            )
            self._touch(db, flow_id)
            return int(seq)

    def _fence(self, flow_id: str, lease: dict[str, Any] | None) -> None:
        live = lease is not None and lease["owner"] is not None and lease["until"] > lease["now"]
        holder = None if lease is None else lease["owner"]
        if live and holder != self.owner:
            raise JournalError(
                f"flow {flow_id} is leased by worker {holder}: this process may not sign for it",
                hint="that worker is performing its step; nothing was sent",
            )
        if self.owner is not None and not (live and holder == self.owner):
            raise JournalError(
                f"worker {self.owner} lost its lease on flow {flow_id} (expired or taken over)",
                hint="another worker continues the flow; nothing was sent",
            )

    # ------------------------------------------------------------------ reads
    def get(self, flow_id: str) -> Any:
        if not isinstance(flow_id, str):
            raise InputError(f"a flow id must be a str, got {type(flow_id).__name__}")
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_FLOW_COLS} FROM flows WHERE id = ?"
                " OR (char_length(?::text) >= 6 AND starts_with(id, ?::text))",
                (flow_id, flow_id, flow_id),
            ).fetchall()
        shown = redact_secrets(repr(flow_id))
        if not rows:
            raise InputError(f"no flow {shown} in the journal {self.path}")
        if len(rows) > 1:
            raise InputError(f"flow id prefix {shown} is ambiguous")
        return self._flow(rows[0])

    # ------------------------------------------------------------------ leases
    def claim(
        self,
        owner: str,
        *,
        limit: int,
        ttl: float,
        senders: Sequence[str] | None = None,
    ) -> list[str]:
        """Lease up to `limit` unfinished flows that are due and not leased by a live worker,
        earliest due first (`FOR UPDATE SKIP LOCKED`: concurrent claims never overlap)."""
        args: list[Any] = [owner, float(ttl)]
        only = ""
        if senders is not None:
            only = " AND lower(f.sender) = ANY(?)"
            args.append([s.lower() for s in senders])
        args.append(int(limit))
        with self._tx() as db:
            db.execute(
                "INSERT INTO leases (flow_id) SELECT id FROM flows f WHERE done = 0 AND NOT"
                " EXISTS (SELECT 1 FROM leases l WHERE l.flow_id = f.id)"
            )
            rows = db.execute(
                f"UPDATE leases SET owner = ?, until = {_NOW} + ? WHERE flow_id IN ("
                " SELECT l.flow_id FROM leases l JOIN flows f ON f.id = l.flow_id"
                f" WHERE f.done = 0 AND (l.owner IS NULL OR l.until < {_NOW})"
                f" AND l.due <= {_NOW}{only}"
                " ORDER BY l.due, f.created LIMIT ? FOR UPDATE OF l SKIP LOCKED)"
                " RETURNING flow_id",
                args,
            ).fetchall()
        return [str(r["flow_id"]) for r in rows]

    def renew(self, owner: str, flow_ids: Sequence[str], ttl: float) -> set[str]:
        """Extend this worker's live leases; returns the ids it still holds (a lease that
        expired and was taken by another worker is lost)."""
        if not flow_ids:
            return set()
        with self._tx() as db:
            rows = db.execute(
                f"UPDATE leases SET until = {_NOW} + ? WHERE owner = ? AND flow_id = ANY(?)"
                f" AND until >= {_NOW} RETURNING flow_id",
                (float(ttl), owner, list(flow_ids)),
            ).fetchall()
        return {str(r["flow_id"]) for r in rows}

    def release(self, owner: str, flow_id: str, *, delay: float = 0.0) -> None:
        """Give a flow back; no worker claims it again for `delay` seconds."""
        with self._tx() as db:
            db.execute(
                f"UPDATE leases SET owner = NULL, until = 0, due = {_NOW} + ?"
                " WHERE flow_id = ? AND owner = ?",
                (max(0.0, float(delay)), flow_id, owner),
            )

    def lease_of(self, flow_id: str) -> tuple[str | None, float, float] | None:
        """(owner, until, due) of a flow's lease row (database clock), None without one."""
        with self._read() as db:
            row = db.execute(
                "SELECT owner, until, due FROM leases WHERE flow_id = ?", (flow_id,)
            ).fetchone()
        return None if row is None else (row["owner"], float(row["until"]), float(row["due"]))
