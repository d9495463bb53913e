"""The durable journal: every value-moving flow, written down before its first transaction leaves.

Why: a bridge flow spans days and several transactions on two chains. A process that crashes
between "signed" and "mined", or between "proved" and "finalized", must be able to finish the
flow later without sending anything twice. The journal makes that possible with two rules:

1. A flow row is committed before anything is signed for it (`create_flow`).
2. Every raw transaction is committed *when it is signed*, before it is handed to the node
   (`RecordingSigner`), with the sender and nonce decoded from the signed bytes. Re-broadcasting a
   recorded raw transaction is always safe: it has a fixed hash, so it can be mined at most once.
   Whether it can still be mined is decided by looking up *that* hash and its (sender, nonce):
   a nonce consumed by another transaction means it never will be (`replaced`). Deciding what to
   do next is otherwise driven by on-chain status only (a proven withdrawal reports "waiting to
   finalize", so it is never proven again).

Delivery rule when the call that starts a flow raises (`Journal.note_raised`, used by
`Interop.transfer`, `bridge` and `send_message`), so that the error the caller saw and the journal
always agree:

- nothing was signed for the flow: nothing can have reached a node. The flow is `abandoned`
  (done); `resume()` never sends it. `resume(include_abandoned=True)` or
  `flow.complete(send_abandoned=True)` sends it afresh, only when asked.
- something was signed: it may have been broadcast (signed => maybe sent, conservatively). The
  flow is `sent` (not done) and the error carries the transaction hash, the flow id and
  `may_have_executed=True`. `resume()` only re-broadcasts those exact signed bytes / looks the
  hash up; it never signs a new first transaction for such a flow. The caller must not pay again.
- the signed transaction is proven dead (`TransactionReplacedError`: its nonce was used by another
  transaction): the flow is `replaced` (done), nothing of it executed.
- it was mined and reverted (`TransactionFailedError`): the flow is `failed` (done).

Storage is one SQLite file (WAL mode, so a reader never blocks the writer; a busy timeout lets
two processes share it). Calls are synchronous: each is a few hundred microseconds, far below
any RPC round trip, and doing them inline keeps the "committed before sent" ordering obvious.
`":memory:"` gives a throw-away journal.

Schema versioning (a 7-day withdrawal in flight must survive a package upgrade): `PRAGMA
user_version` holds the schema version (`SCHEMA_VERSION`; the first release wrote none, so 0 with
tables is version 1). An older journal is upgraded by `MIGRATIONS`, numbered steps applied in
order inside one write transaction (all or nothing; two processes opening it at once migrate it
once), and checked against the expected columns afterwards. The `meta` table records which
release created the file and which wrote its current schema. A journal of a newer schema is
refused with a `JournalError` naming the release that wrote it, before anything is written to it
(not even the WAL switch), so a downgrade can never damage it. Rows are read by column name only,
so a column added by a migration cannot shift another's value. A journal whose tables or columns
are not what this version expects, or whose rows do not decode, raises `JournalError` naming the
file and what is wrong: it is never used silently, and no `sqlite3` exception reaches the caller.
`Journal(path, read_only=True)` reads a snapshot (migrated in memory when older) and never
writes the file.

Lookup by transaction hash (`find_by_tx`, which `interop scan` asks once per candidate
transaction) is two index lookups: `txs` by hash, then `hop_txs`, which holds every 32-byte hash
each hop's ref names (its initiating transaction and any hash in the adapter's data: see
`ref_hashes`). `set_hop_ref` writes a hop's `hop_txs` rows in the transaction that writes its
ref; schema 4's migration back-fills them from the stored refs. A process of an older release
that is still running when another migrates the file does not write `hop_txs` (an older release
refuses to open a migrated journal, so this lasts until it exits): run one release at a time.

Flow references are stored as `FlowRef.to_json()`, which carries the adapter's ref-codec
`version` (absent in rows written before it existed: version 1). The journal hands them back as
stored; the adapter's `decode_ref` upgrades old ref data where it is used.

The journal stores signed transactions (public once broadcast anyway), never keys.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from interop.adapters.base import FlowRef
from interop.errors import (
    InputError,
    JournalError,
    TransactionFailedError,
    TransactionReplacedError,
    mark_sent,
)
from interop.safety import redact_secrets
from interop.signer import Signer
from interop.types import Hash32, to_hash32

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "FlowRecord",
    "HopRecord",
    "Journal",
    "Migration",
    "RecordingSigner",
    "TxRecord",
    "decode_raw_tx",
    "default_journal_path",
    "open_journal",
    "ref_hashes",
]

_E = TypeVar("_E", bound=BaseException)

SCHEMA_VERSION = 4
"""1: the first release (wrote no `user_version`); 2: each transaction's sender and nonce;
3: the `meta` table (which release created the journal, which wrote its schema); 4: the
`hop_txs` table, every hash each hop's ref names, indexed (`find_by_tx` without a scan)."""

# flow states the journal itself writes besides the uniform `Status` values
ABANDONED = "abandoned"
"""The starting call raised before anything was signed: never sent unless asked."""
SENT = "sent"
"""The starting call raised after signing: maybe broadcast; resume looks the hash up."""
REPLACED = "replaced"
"""A transaction the flow depended on can never be mined (its nonce was used by another)."""

_TABLES: dict[str, str] = {
    "flows": """CREATE TABLE flows (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source_chain INTEGER NOT NULL,
    target_chain INTEGER NOT NULL,
    value TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '0x',
    options TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending',
    native TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
)""",
    "hops": """CREATE TABLE hops (
    flow_id TEXT NOT NULL REFERENCES flows(id),
    idx INTEGER NOT NULL,
    adapter TEXT NOT NULL,
    direction TEXT NOT NULL,
    source_chain INTEGER NOT NULL,
    target_chain INTEGER NOT NULL,
    ref TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    native TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (flow_id, idx)
)""",
    "txs": """CREATE TABLE txs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    flow_id TEXT NOT NULL REFERENCES flows(id),
    hop INTEGER NOT NULL,
    step TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    raw TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'signed',
    created REAL NOT NULL,
    sender TEXT NOT NULL DEFAULT '',
    nonce INTEGER
)""",
    "events": """CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    flow_id TEXT NOT NULL,
    at REAL NOT NULL,
    what TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)""",
    "meta": """CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)""",
    "hop_txs": """CREATE TABLE hop_txs (
    flow_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    PRIMARY KEY (flow_id, idx, tx_hash)
) WITHOUT ROWID""",
}
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS txs_hash ON txs(tx_hash)",
    "CREATE INDEX IF NOT EXISTS hop_txs_hash ON hop_txs(tx_hash)",
)
_FLOW_COLS = (
    "id, kind, source_chain, target_chain, value, recipient, sender, data, options, status,"
    " native, done, error, created, updated"
)
_HOP_COLS = "idx, adapter, direction, source_chain, target_chain, ref, status, native"
_TX_COLS = "seq, flow_id, hop, step, chain_id, tx_hash, raw, state, created, sender, nonce"


def _names(cols: str) -> set[str]:
    return set(cols.replace(" ", "").split(","))


def _columns(version: int) -> dict[str, set[str]]:
    """The columns each table has in schema `version` (1 = the unversioned first release)."""
    cols = {
        "flows": _names(_FLOW_COLS),
        "hops": _names(_HOP_COLS) | {"flow_id"},
        "txs": _names(_TX_COLS),
        "events": {"seq", "flow_id", "at", "what", "detail"},
        "meta": {"key", "value"},
        "hop_txs": {"flow_id", "idx", "tx_hash"},
    }
    if version < 4:
        del cols["hop_txs"]
    if version < 3:
        del cols["meta"]
    if version < 2:
        cols["txs"] -= {"sender", "nonce"}
    return cols


_HASH_IN_REF = re.compile(r'"(0x[0-9a-fA-F]{64})"')


def ref_hashes(ref_json: str) -> list[str]:
    """Every 32-byte hash a stored ref (`FlowRef.to_json()`) names, lower-case, once each, in
    order: its initiating transaction (`tx_hash`) and whatever its adapter's `data` holds (an L2
    transaction hash, a retryable ticket id, a message hash).

    Why the text and not the decoded fields: `find_by_tx` used to match `ref LIKE '%"<hash>"%'`
    (any JSON string equal to the hash, ASCII case ignored) over every hop. This finds exactly
    those strings, so the `hop_txs` index answers what that scan answered, for refs of any adapter
    and any codec version (including rows written before `data` had versions), without the
    journal knowing which adapter field holds a transaction hash."""
    return list(dict.fromkeys(m.lower() for m in _HASH_IN_REF.findall(ref_json)))


def _index_hop(db: Any, flow_id: str, hop: int, ref_json: str | None) -> None:
    """Replace hop (`flow_id`, `hop`)'s rows of `hop_txs` by the hashes of `ref_json`. Called in
    the transaction that writes the ref (both journals), so the index never disagrees with it."""
    db.execute("DELETE FROM hop_txs WHERE flow_id = ? AND idx = ?", (flow_id, hop))
    hashes = ref_hashes(ref_json) if ref_json else []
    if hashes:
        db.executemany(
            "INSERT INTO hop_txs (flow_id, idx, tx_hash) VALUES (?,?,?)",
            [(flow_id, hop, h) for h in hashes],
        )


def _release() -> str:
    """This package's version, written into `meta` (read lazily: `interop` imports us)."""
    return str(getattr(importlib.import_module("interop"), "__version__", "unknown"))


@dataclass(frozen=True)
class Migration:
    """One schema step: `apply` turns a journal of schema `to - 1` into schema `to`. It runs
    inside the opening write transaction, with every earlier step, so a journal is upgraded
    entirely or not at all. Steps only add: a column read by name keeps its meaning."""

    to: int
    why: str
    apply: Callable[[sqlite3.Connection], None]


def _to_v2(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE txs ADD COLUMN sender TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE txs ADD COLUMN nonce INTEGER")
    for row in db.execute("SELECT seq, raw FROM txs").fetchall():
        try:
            decoded = decode_raw_tx(bytes.fromhex(str(row["raw"])[2:]))
        except ValueError:
            decoded = None
        if decoded is not None:
            db.execute(
                "UPDATE txs SET sender = ?, nonce = ? WHERE seq = ?",
                (decoded[0], decoded[1], row["seq"]),
            )
    db.execute("UPDATE flows SET status = ? WHERE status = 'cancelled'", (ABANDONED,))


def _to_v3(db: sqlite3.Connection) -> None:
    db.execute(_TABLES["meta"])


def _to_v4(db: sqlite3.Connection) -> None:
    db.execute(_TABLES["hop_txs"])
    rows = db.execute("SELECT flow_id, idx, ref FROM hops WHERE ref IS NOT NULL").fetchall()
    for row in rows:
        _index_hop(db, str(row["flow_id"]), int(row["idx"]), str(row["ref"]))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        2,
        "each transaction's sender and nonce, decoded from its signed bytes; the first "
        "release's `cancelled` (nothing was signed) becomes `abandoned`",
        _to_v2,
    ),
    Migration(3, "the meta table: which release created the journal and wrote its schema", _to_v3),
    Migration(
        4,
        "the hop_txs table: every hash each hop's ref names, indexed, back-filled from the refs"
        " (find_by_tx looked them up by scanning every ref)",
        _to_v4,
    ),
)
"""Step `i` migrates schema `MIGRATIONS[i].to - 1` to `.to`; they end at `SCHEMA_VERSION`."""
assert [m.to for m in MIGRATIONS] == list(range(2, SCHEMA_VERSION + 1))


def default_journal_path() -> Path:
    """`$INTEROP_JOURNAL`, else `$XDG_DATA_HOME/interop/journal.sqlite3` (~/.local/share)."""
    env = os.environ.get("INTEROP_JOURNAL")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "interop" / "journal.sqlite3"


def decode_raw_tx(raw: bytes) -> tuple[str, int] | None:
    """(sender, nonce) of a signed transaction (legacy or EIP-2718 typed), or None if `raw` is
    not one. The nonce is read from the RLP payload; the sender is recovered from the signature,
    so both describe what was actually signed, whatever the signing code believed."""
    import rlp
    from eth_account import Account

    try:
        if not raw:
            return None
        if raw[0] >= 0xC0:  # legacy: rlp([nonce, gasPrice, gas, to, value, data, v, r, s])
            fields = rlp.decode(raw)
            nonce_bytes = fields[0]
        elif raw[0] in (1, 2, 3, 4):  # typed: type || rlp([chainId, nonce, ...])
            fields = rlp.decode(raw[1:])
            nonce_bytes = fields[1]
        else:
            return None
        if not isinstance(nonce_bytes, bytes):
            return None
        sender = str(Account.recover_transaction(raw))
        return sender, int.from_bytes(nonce_bytes, "big")
    except Exception:  # any malformed input: "not a signed transaction" is the answer
        return None


@dataclass(frozen=True)
class TxRecord:
    """One signed transaction of a flow.

    `state`: signed (maybe broadcast: it can still be mined) | mined | failed (mined, reverted) |
    replaced (its nonce was used by another transaction: it can never be mined) | dropped (a
    guess of the first release, treated like signed). `sender` / `nonce` are decoded from `raw`.
    """

    seq: int
    flow_id: str
    hop: int
    step: str
    chain_id: int
    tx_hash: Hash32
    raw: bytes
    state: str
    created: float
    sender: str = ""
    nonce: int | None = None

    @property
    def open(self) -> bool:
        """Signed and not known to be mined or dead: it may still be mined."""
        return self.state in ("signed", "dropped")


@dataclass(frozen=True)
class HopRecord:
    """One hop (one adapter, one direction). `ref` is None until its first tx is mined."""

    index: int
    adapter: str
    direction: str
    source_chain: int
    target_chain: int
    ref: FlowRef | None
    status: str
    native: str


@dataclass(frozen=True)
class FlowRecord:
    """A flow as the journal knows it. `kind`: eth | message | native (a plain transfer).

    `status`: a uniform `Status` value, or `abandoned` / `sent` / `replaced` (see the module
    docstring); `done` is True once nothing more will happen to it without being asked.
    """

    id: str
    kind: str
    source_chain: int
    target_chain: int
    value: int
    recipient: str
    sender: str
    data: bytes
    options: Mapping[str, Any]
    status: str
    native: str
    done: bool
    error: str | None
    created: float
    updated: float
    hops: tuple[HopRecord, ...] = field(default_factory=tuple)


_BACKENDS = {
    "postgresql": "interop.journal_pg:PgJournal",
    "postgres": "interop.journal_pg:PgJournal",
}
"""Journal backends by URL scheme, loaded only when a URL names them (a backend module builds on
this one, never the other way round)."""


def open_journal(
    target: Journal | str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> Journal:
    """The journal `target` names: a `Journal` as is, a `postgresql://` URL (the PostgreSQL
    journal, `interop.journal_pg`, for several workers), else a SQLite path (None: the
    default file). `Journal(url)` does the same dispatch, so every caller accepts a URL."""
    if isinstance(target, Journal):
        return target
    return Journal(target, read_only=read_only)


class Journal:
    """SQLite-backed record of flows, hops, signed transactions and step events.

    `Journal("postgresql://...")` returns the PostgreSQL journal (`interop.journal_pg.PgJournal`,
    a subclass with the same interface)."""

    owner: str | None = None
    """The worker id of an `interop watch` worker using this journal (see `claim`)."""
    _lease: dict[str, tuple[str | None, float, float]] | None = None

    def __new__(cls, path: Any = None, **kwargs: Any) -> Journal:
        if cls is Journal and isinstance(path, str) and "://" in path:
            scheme = path.split("://", 1)[0].lower()
            where = _BACKENDS.get(scheme)
            if where is None:
                raise JournalError(
                    f"no journal backend for {scheme}:// URLs",
                    hint=f"use a file path or one of {sorted(_BACKENDS)}",
                )
            module, name = where.split(":")
            backend = getattr(importlib.import_module(module), name)
            return super().__new__(backend)  # type: ignore[no-any-return]
        return super().__new__(cls)

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False
    ) -> None:
        """Open (creating or migrating) the journal at `path` (None: `default_journal_path()`).

        `read_only=True`: read a snapshot of an existing file without ever writing it (an
        older schema is migrated in the in-memory copy only); every write raises
        `JournalError`. For looking at a journal another release still uses."""
        target = default_journal_path() if path is None else path
        self.path = str(target)
        self.read_only = read_only
        self._lock = threading.RLock()
        self._closed = False
        if read_only:
            self._db = self._snapshot()
        else:
            if self.path != ":memory:":
                try:
                    Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise JournalError(f"cannot create the journal folder for {self.path}") from exc
            try:
                self._db = sqlite3.connect(
                    self.path, timeout=10.0, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise JournalError(f"cannot open the journal {self.path}: {exc}") from None
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._precheck()  # reads only: refuse before anything could write to the file
            if self.path != ":memory:" and not read_only:
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._open_schema()
        except JournalError:
            self._db.close()
            raise
        except sqlite3.Error as exc:
            self._db.close()
            raise JournalError(
                f"cannot open the journal {self.path}: {exc}",
                hint="is it an interop journal? move it away or set INTEROP_JOURNAL",
            ) from None
        self.after_record: Callable[[TxRecord], None] | None = None
        """Called after each signed transaction is committed (tests use it to crash there)."""

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ schema
    def _bad(self, what: str) -> JournalError:
        return JournalError(
            f"the journal {self.path} cannot be used: {what}",
            hint="use another file (Interop(journal=...) or INTEROP_JOURNAL); nothing was sent",
        )

    def _snapshot(self) -> sqlite3.Connection:
        """An in-memory copy of the file, read through a read-only connection."""
        if self.path == ":memory:":
            raise JournalError("a read-only journal needs a file")
        if not Path(self.path).is_file():
            raise JournalError(f"no journal at {self.path}")
        try:
            src = sqlite3.connect(
                f"file:{quote(os.path.abspath(self.path))}?mode=ro", uri=True, timeout=10.0
            )
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from None
        try:
            src.row_factory = sqlite3.Row
            self._refuse_newer(src)
            copy = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            src.backup(copy)
            return copy
        except sqlite3.Error as exc:
            raise JournalError(
                f"cannot read the journal {self.path}: {exc}",
                hint="is it an interop journal?",
            ) from None
        finally:
            src.close()

    @staticmethod
    def _user_version(db: sqlite3.Connection) -> int:
        return int(db.execute("PRAGMA user_version").fetchone()["user_version"])

    @staticmethod
    def _tables(db: sqlite3.Connection) -> set[str]:
        return {
            str(row["name"])
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not str(row["name"]).startswith("sqlite_")
        }

    def _refuse_newer(self, db: sqlite3.Connection) -> None:
        """A journal of a newer schema: name the release that wrote it and touch nothing (the
        caller has written nothing yet, and this only reads)."""
        version = self._user_version(db)
        if version <= SCHEMA_VERSION:
            return
        by = "a newer interop release"
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_by'").fetchone()
            if row is not None:
                by = f"interop {redact_secrets(str(row['value']))[:40]}"
        except sqlite3.Error:
            pass  # no meta table in a format we know: the version number is all we can name
        raise JournalError(
            f"the journal {self.path} was written by {by} (journal schema {version}); this"
            f" release, interop {_release()}, reads journal schemas up to {SCHEMA_VERSION}."
            " It was not changed.",
            hint="upgrade interop to use this journal (its flows may be in flight), or use"
            " another file (Interop(journal=...) or INTEROP_JOURNAL); nothing was sent",
        )

    def _stored_version(self, db: sqlite3.Connection) -> int:
        """The file's schema version: 0 for a new (empty) file, 1 for the first release's
        (tables, no `user_version`)."""
        version = self._user_version(db)
        if version == 1:
            raise self._bad("unknown schema version 1")
        if version == 0 and self._tables(db):
            return 1
        return version

    def _precheck(self) -> None:
        """Refuse a newer, foreign or damaged file by reading it only, before the WAL switch
        (which rewrites the file header) or any lock: a file we refuse is left as it was."""
        self._refuse_newer(self._db)
        version = self._stored_version(self._db)
        if version:
            self._check_shape(self._tables(self._db), version)

    def _open_schema(self) -> None:
        """Create, check or migrate the schema, inside one write transaction so that two
        processes opening an old journal at once migrate it once."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            # read again under the write lock: another process may have migrated meanwhile
            self._refuse_newer(db)
            version = self._stored_version(db)
            release = _release()
            if version == 0:
                for ddl in _TABLES.values():
                    db.execute(ddl)
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("created_by", release), ("schema_by", release)],
                )
            else:
                self._check_shape(self._tables(db), version)
                for step in MIGRATIONS:
                    if step.to > version:
                        step.apply(db)
                if version < SCHEMA_VERSION:
                    self._check_shape(self._tables(db), SCHEMA_VERSION)
                    db.executemany(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [
                            ("schema_by", release),
                            (f"migrated {version} to {SCHEMA_VERSION}", f"{release} {time.time()}"),
                        ],
                    )
            for ddl in _INDEXES:
                db.execute(ddl)
            if self._user_version(db) != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _check_shape(self, tables: set[str], version: int) -> None:
        want = _columns(version)
        if tables != set(want):
            missing = sorted(set(want) - tables)
            extra = sorted(tables - set(want))
            parts = ([f"missing tables {missing}"] if missing else []) + (
                [f"unexpected tables {extra}"] if extra else []
            )
            raise self._bad("; ".join(parts) + " (not an interop journal?)")
        for table, cols in want.items():
            have = {str(row["name"]) for row in self._db.execute(f"PRAGMA table_info({table})")}
            if have != cols:
                parts = []
                if cols - have:
                    parts.append(f"missing columns {sorted(cols - have)}")
                if have - cols:
                    parts.append(f"unexpected columns {sorted(have - cols)}")
                raise self._bad(f"table {table}: " + "; ".join(parts))

    @property
    def schema_version(self) -> int:
        with self._read() as db:
            return self._user_version(db)

    def meta(self) -> dict[str, str]:
        """Which release created this journal (`created_by`; absent when it was created before
        schema 3) and wrote its schema (`schema_by`), and each migration it went through."""
        with self._read() as db:
            rows = db.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
        return {str(row["key"]): str(row["value"]) for row in rows}

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise JournalError("the journal is closed")
        if self.read_only:
            raise JournalError(
                f"the journal {self.path} was opened read-only: nothing can be recorded",
                hint="open it with Journal(path) to send or continue flows",
            )
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._bad(str(exc)) from None
            try:
                yield self._db
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise self._bad(str(exc)) from None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._bad(str(exc)) from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise JournalError("the journal is closed")
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise self._bad(str(exc)) from None

    # ------------------------------------------------------------------ writes
    def create_flow(
        self,
        *,
        kind: str,
        source_chain: int,
        target_chain: int,
        value: int,
        recipient: str,
        sender: str,
        hops: list[tuple[str, str, int, int]],
        data: bytes = b"",
        options: Mapping[str, Any] | None = None,
        flow_id: str | None = None,
    ) -> str:
        """Commit a new flow and its planned hops `(adapter, direction, source, target)`."""
        fid = flow_id or uuid.uuid4().hex[:16]
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO flows (id, kind, source_chain, target_chain, value, recipient, sender,"
                " data, options, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    fid,
                    kind,
                    source_chain,
                    target_chain,
                    str(int(value)),
                    recipient,
                    sender,
                    "0x" + data.hex(),
                    json.dumps(dict(options or {}), sort_keys=True),
                    now,
                    now,
                ),
            )
            for i, (adapter, direction, src, dst) in enumerate(hops):
                db.execute(
                    "INSERT INTO hops (flow_id, idx, adapter, direction, source_chain,"
                    " target_chain) VALUES (?,?,?,?,?,?)",
                    (fid, i, adapter, direction, src, dst),
                )
            db.execute(
                "INSERT INTO events (flow_id, at, what) VALUES (?,?,?)", (fid, now, "created")
            )
        return fid

    def set_hop_ref(self, flow_id: str, hop: int, ref: FlowRef) -> None:
        """Store hop `hop`'s ref and, in the same transaction, index the hashes it names."""
        text = ref.to_json()
        with self._tx() as db:
            cur = db.execute(
                "UPDATE hops SET ref = ? WHERE flow_id = ? AND idx = ?", (text, flow_id, hop)
            )
            if cur.rowcount:  # no such hop: nothing stored, so nothing to index (as before)
                _index_hop(db, flow_id, hop, text)
            self._touch(db, flow_id)

    def set_hop_status(self, flow_id: str, hop: int, status: str, native: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE hops SET status = ?, native = ? WHERE flow_id = ? AND idx = ?",
                (status, native, flow_id, hop),
            )

    def set_status(
        self,
        flow_id: str,
        status: str,
        native: str,
        *,
        done: bool = False,
        error: str | None = None,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE flows SET status = ?, native = ?, done = ?, error = ?, updated = ?"
                " WHERE id = ?",
                (status, native, int(done), error, time.time(), flow_id),
            )

    def record_tx(
        self, flow_id: str, hop: int, step: str, chain_id: int, tx_hash: str, raw: bytes
    ) -> int:
        """Commit a signed transaction (with its sender and nonce); called before broadcast."""
        decoded = decode_raw_tx(raw)
        sender, nonce = decoded if decoded is not None else ("", None)
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO txs (flow_id, hop, step, chain_id, tx_hash, raw, created, sender,"
                " nonce) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    flow_id,
                    hop,
                    step,
                    chain_id,
                    to_hash32(tx_hash),
                    "0x" + raw.hex(),
                    time.time(),
                    sender,
                    nonce,
                ),
            )
            db.execute(
                "INSERT INTO events (flow_id, at, what, detail) VALUES (?,?,?,?)",
                (flow_id, time.time(), f"signed {step}", to_hash32(tx_hash)),
            )
            self._touch(db, flow_id)
            return int(cur.lastrowid or 0)

    def set_tx_state(self, tx_hash: str, state: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE txs SET state = ? WHERE tx_hash = ?", (state, to_hash32(tx_hash)))

    def add_event(self, flow_id: str, what: str, detail: str = "") -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO events (flow_id, at, what, detail) VALUES (?,?,?,?)",
                (flow_id, time.time(), what, detail),
            )

    def note_raised(self, flow_id: str, exc: _E, *, hop: int = 0) -> _E:
        """Apply the delivery rule (module docstring) to a flow whose starting call raised
        `exc`, and return `exc` with the flow id (and, when something was signed, the tx hash and
        `may_have_executed`) attached, so the caller's error and the journal say the same."""
        signed = self.txs(flow_id, hop=hop)
        why = redact_secrets(f"{type(exc).__name__}: {exc}")[:500]
        if not signed:
            self.set_status(flow_id, ABANDONED, "not-sent", done=True, error=why)
            self.add_event(flow_id, "abandoned", why)
            mark_sent(exc, None, flow_id=flow_id)
            return exc
        last = signed[-1]
        if isinstance(exc, TransactionReplacedError):
            dead = exc.tx_hash or last.tx_hash
            self.set_tx_state(dead, "replaced")
            if not any(t.open or t.state == "mined" for t in self.txs(flow_id, hop=hop)):
                self.set_status(flow_id, REPLACED, "replaced", done=True, error=why)
            self.add_event(flow_id, "replaced", dead)
            mark_sent(exc, None, flow_id=flow_id)
            return exc
        if isinstance(exc, TransactionFailedError) and exc.tx_hash:
            self.set_tx_state(exc.tx_hash, "failed")
            self.set_status(flow_id, "failed", "reverted", done=True, error=why)
            mark_sent(exc, exc.tx_hash, flow_id=flow_id)
            return exc
        self.set_status(flow_id, SENT, "uncertain", error=why)
        self.add_event(flow_id, "raised after signing", why)
        mark_sent(exc, last.tx_hash, flow_id=flow_id)
        return exc

    def reopen(self, flow_id: str) -> None:
        """An abandoned flow the caller asked to send after all: unfinished again."""
        self.set_status(flow_id, "pending", "reopened")
        self.add_event(flow_id, "reopened")

    @staticmethod
    def _touch(db: sqlite3.Connection, flow_id: str) -> None:
        db.execute("UPDATE flows SET updated = ? WHERE id = ?", (time.time(), flow_id))

    # ------------------------------------------------------------------ reads
    def get(self, flow_id: str) -> FlowRecord:
        """The flow with this id (a unique prefix of at least 6 characters also works)."""
        if not isinstance(flow_id, str):
            raise InputError(f"a flow id must be a str, got {type(flow_id).__name__}")
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_FLOW_COLS} FROM flows WHERE id = ?"
                " OR (length(?) >= 6 AND substr(id, 1, length(?)) = ?)",
                (flow_id, flow_id, flow_id, flow_id),
            ).fetchall()
        shown = redact_secrets(repr(flow_id))
        if not rows:
            raise InputError(f"no flow {shown} in the journal {self.path}")
        if len(rows) > 1:
            raise InputError(f"flow id prefix {shown} is ambiguous")
        return self._flow(rows[0])

    _hop_index = True
    """False only for a read-only PostgreSQL journal of a schema before `hop_txs` (it cannot be
    migrated without writing): `find_by_tx` then scans the refs as schema 3 did."""

    def find_by_tx(self, tx_hash: str) -> FlowRecord | None:
        """The flow one of whose transactions (any step, any hop) has this hash: one this journal
        signed (the earliest signed, by `txs`), else one a hop's ref names (`hop_txs`; the
        earliest created flow, should several refs name it).

        Why index lookups only: `interop scan` asks once per candidate transaction, so an answer
        must not cost the journal's size. Each statement is a lookup by an indexed key (no join
        whose plan depends on the database's statistics: a PostgreSQL table just back-filled
        has none, and its planner then hashed all of `flows`); the found flows are read by their
        exact id (the primary key), not by `get`'s prefix match, which scans."""
        h = to_hash32(tx_hash)
        with self._read() as db:
            row = db.execute(
                "SELECT flow_id FROM txs WHERE tx_hash = ? ORDER BY seq LIMIT 1", (h,)
            ).fetchone()
            if row is not None:
                ids = [str(row["flow_id"])]
            elif self._hop_index:
                rows = db.execute(
                    "SELECT DISTINCT flow_id FROM hop_txs WHERE tx_hash = ?", (h,)
                ).fetchall()
                ids = [str(r["flow_id"]) for r in rows]
            else:  # a read-only PostgreSQL journal of schema 3 (see `_hop_index`)
                rows = db.execute(
                    "SELECT DISTINCT flow_id FROM hops WHERE lower(ref) LIKE ?", (f'%"{h}"%',)
                ).fetchall()
                ids = [str(r["flow_id"]) for r in rows]
            found = []
            for fid in ids:
                got = db.execute(f"SELECT {_FLOW_COLS} FROM flows WHERE id = ?", (fid,)).fetchone()
                if got is None:
                    raise self._bad(f"flow {fid!r} of transaction {h} has no flow row")
                found.append(got)
        recs = [self._flow(r) for r in found]  # a row that does not decode: JournalError
        return min(recs, key=lambda r: (r.created, r.id)) if recs else None

    def flows(self, *, unfinished: bool = False, status: str | None = None) -> list[FlowRecord]:
        """Flows oldest first: all, the unfinished ones, and/or those in journal `status`."""
        where, args = [], []
        if unfinished:
            where.append("done = 0")
        if status is not None:
            where.append("status = ?")
            args.append(status)
        q = f"SELECT {_FLOW_COLS} FROM flows"
        q += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY created"
        with self._read() as db:
            rows = db.execute(q, args).fetchall()
        return [self._flow(r) for r in rows]

    def txs(
        self, flow_id: str, *, hop: int | None = None, step: str | None = None
    ) -> list[TxRecord]:
        q = f"SELECT {_TX_COLS} FROM txs WHERE flow_id = ?"
        args: list[str | int] = [flow_id]
        if hop is not None:
            q += " AND hop = ?"
            args.append(int(hop))
        if step is not None:
            q += " AND step = ?"
            args.append(step)
        with self._read() as db:
            rows = db.execute(q + " ORDER BY seq", args).fetchall()
        try:
            return [
                TxRecord(
                    seq=int(r["seq"]),
                    flow_id=str(r["flow_id"]),
                    hop=int(r["hop"]),
                    step=str(r["step"]),
                    chain_id=int(r["chain_id"]),
                    tx_hash=to_hash32(str(r["tx_hash"])),
                    raw=bytes.fromhex(str(r["raw"])[2:]),
                    state=str(r["state"]),
                    created=float(r["created"]),
                    sender=str(r["sender"] or ""),
                    nonce=None if r["nonce"] is None else int(r["nonce"]),
                )
                for r in rows
            ]
        except (ValueError, TypeError, InputError) as exc:
            raise self._bad(
                f"a transaction row of flow {flow_id} does not decode ({exc})"
            ) from None

    def counts(self) -> dict[tuple[str, bool], int]:
        """How many flows are in each (journal status, done): one query, for metrics."""
        with self._read() as db:
            rows = db.execute(
                "SELECT status, done, count(*) AS n FROM flows GROUP BY status, done"
            ).fetchall()
        return {(str(r["status"]), bool(r["done"])): int(r["n"]) for r in rows}

    def events(self, flow_id: str) -> list[tuple[float, str, str]]:
        with self._read() as db:
            rows = db.execute(
                "SELECT at, what, detail FROM events WHERE flow_id = ? ORDER BY seq", (flow_id,)
            ).fetchall()
        return [(float(r["at"]), str(r["what"]), str(r["detail"])) for r in rows]

    def _flow(self, r: sqlite3.Row) -> FlowRecord:
        with self._read() as db:
            hop_rows = db.execute(
                f"SELECT {_HOP_COLS} FROM hops WHERE flow_id = ? ORDER BY idx",
                (r["id"],),
            ).fetchall()
        try:
            hops = tuple(
                HopRecord(
                    index=int(h["idx"]),
                    adapter=str(h["adapter"]),
                    direction=str(h["direction"]),
                    source_chain=int(h["source_chain"]),
                    target_chain=int(h["target_chain"]),
                    ref=FlowRef.from_json(h["ref"]) if h["ref"] else None,
                    status=str(h["status"]),
                    native=str(h["native"]),
                )
                for h in hop_rows
            )
            options = json.loads(r["options"])
            if not isinstance(options, dict):
                raise ValueError("options are not an object")
            return FlowRecord(
                id=str(r["id"]),
                kind=str(r["kind"]),
                source_chain=int(r["source_chain"]),
                target_chain=int(r["target_chain"]),
                value=int(r["value"]),
                recipient=str(r["recipient"]),
                sender=str(r["sender"]),
                data=bytes.fromhex(str(r["data"])[2:]),
                options=options,
                status=str(r["status"]),
                native=str(r["native"]),
                done=bool(r["done"]),
                error=None if r["error"] is None else str(r["error"]),
                created=float(r["created"]),
                updated=float(r["updated"]),
                hops=hops,
            )
        except JournalError:
            raise
        except Exception as exc:  # a row this code did not write: say which, never guess
            raise self._bad(
                f"flow row {redact_secrets(repr(r['id']))} does not decode "
                f"({type(exc).__name__}: {redact_secrets(str(exc))[:200]})"
            ) from None

    # ------------------------------------------------------------------ leases
    # One process's workers (`interop.watch`) share a SQLite journal through these in-memory
    # leases; several processes on one file are not coordinated (use PostgreSQL for that:
    # `interop.journal_pg` implements the same calls in the database).
    def _leases(self) -> dict[str, tuple[str | None, float, float]]:
        if self._lease is None:
            self._lease = {}
        return self._lease

    def claim(
        self, owner: str, *, limit: int, ttl: float, senders: Sequence[str] | None = None
    ) -> list[str]:
        """Lease up to `limit` unfinished flows that are due and not leased by a live worker,
        earliest due first; returns their ids."""
        now = time.time()
        only = None if senders is None else {s.lower() for s in senders}
        with self._lock:
            table = self._leases()
            free = []
            for rec in self.flows(unfinished=True):
                holder, until, due = table.get(rec.id, (None, 0.0, 0.0))
                if (holder is not None and until >= now) or due > now:
                    continue
                if only is not None and rec.sender.lower() not in only:
                    continue
                free.append((due, rec.created, rec.id))
            free.sort()
            got = [fid for _, _, fid in free[: max(0, int(limit))]]
            for fid in got:
                table[fid] = (owner, now + ttl, 0.0)
            return got

    def renew(self, owner: str, flow_ids: Sequence[str], ttl: float) -> set[str]:
        """Extend this worker's live leases; returns the ids it still holds."""
        now = time.time()
        with self._lock:
            table = self._leases()
            kept = set()
            for fid in flow_ids:
                holder, until, due = table.get(fid, (None, 0.0, 0.0))
                if holder == owner and until >= now:
                    table[fid] = (owner, now + ttl, due)
                    kept.add(fid)
            return kept

    def release(self, owner: str, flow_id: str, *, delay: float = 0.0) -> None:
        """Give a flow back; no worker claims it again for `delay` seconds."""
        with self._lock:
            table = self._leases()
            if table.get(flow_id, (None, 0.0, 0.0))[0] == owner:
                table[flow_id] = (None, 0.0, time.time() + max(0.0, delay))

    def lease_of(self, flow_id: str) -> tuple[str | None, float, float] | None:
        """(owner, until, due) of a flow's lease, None when it never had one."""
        with self._lock:
            return self._leases().get(flow_id)


class RecordingSigner:
    """A signer that commits every signed transaction to the journal before returning it.

    Adapters sign through `send_transaction`, which broadcasts only after `sign_transaction`
    returns; so by the time a node can see a transaction, the journal already holds its raw
    bytes and the process can die at any point without losing track of it. The wrapped signer is
    never exposed (repr shows the address only).
    """

    __slots__ = ("_flow_id", "_hop", "_inner", "_journal", "_step")

    def __init__(
        self,
        inner: Signer,
        journal: Journal,
        flow_id: str,
        hop: int,
        step: str,
    ) -> None:
        self._inner = inner
        self._journal = journal
        self._flow_id = flow_id
        self._hop = hop
        self._step = step

    @property
    def address(self) -> str:
        return str(self._inner.address)

    @property
    def nonce_manager(self) -> Any:
        """The wrapped account's nonce manager, if it has one (see `SafeSigner`)."""
        return getattr(self._inner, "nonce_manager", None)

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        signed = self._inner.sign_transaction(transaction_dict)
        raw = bytes(signed.raw_transaction)
        tx_hash = to_hash32(bytes(signed.hash))
        chain_id = int(transaction_dict["chainId"])
        self._journal.record_tx(self._flow_id, self._hop, self._step, chain_id, tx_hash, raw)
        hook = self._journal.after_record
        if hook is not None:
            hook(self._journal.txs(self._flow_id, hop=self._hop, step=self._step)[-1])
        return signed

    def __repr__(self) -> str:
        return f"RecordingSigner(address={self.address}, flow={self._flow_id}, step={self._step})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("signers cannot be pickled or copied")
