"""The durable journal: every value-moving flow, written down before its first transaction leaves.

Why: a bridge flow spans days and several transactions on two chains. A process that crashes
between "signed" and "mined", or between "proved" and "finalized", must be able to finish the
flow later without sending anything twice. The journal makes that possible with two rules:

1. A flow row is committed before anything is signed for it (`create_flow`).
2. Every raw transaction is committed *when it is signed*, before it is handed to the node
   (`RecordingSigner`). Re-broadcasting a recorded raw transaction is always safe: it has a fixed
   hash, so it can be mined at most once. Deciding what to do next is then driven by on-chain
   status only (a proven withdrawal reports "waiting to finalize", so it is never proven again).

Storage is one SQLite file (WAL mode, so a reader never blocks the writer; a busy timeout lets
two processes share it). Calls are synchronous: each is a few hundred microseconds, far below
any RPC round trip, and doing them inline keeps the "committed before sent" ordering obvious.
`":memory:"` gives a throw-away journal.

The journal stores signed transactions (public once broadcast anyway), never keys.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interop.adapters.base import FlowRef
from interop.errors import ConfigError, InputError
from interop.signer import Signer
from interop.types import Hash32, to_hash32

__all__ = [
    "FlowRecord",
    "HopRecord",
    "Journal",
    "RecordingSigner",
    "TxRecord",
    "default_journal_path",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS flows (
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
);
CREATE TABLE IF NOT EXISTS hops (
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
);
CREATE TABLE IF NOT EXISTS txs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    flow_id TEXT NOT NULL REFERENCES flows(id),
    hop INTEGER NOT NULL,
    step TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    raw TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'signed',
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS txs_hash ON txs(tx_hash);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    flow_id TEXT NOT NULL,
    at REAL NOT NULL,
    what TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"""


def default_journal_path() -> Path:
    """`$INTEROP_JOURNAL`, else `$XDG_DATA_HOME/interop/journal.sqlite3` (~/.local/share)."""
    env = os.environ.get("INTEROP_JOURNAL")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "interop" / "journal.sqlite3"


@dataclass(frozen=True)
class TxRecord:
    """One signed transaction of a flow. `state`: signed | mined | failed | dropped."""

    seq: int
    flow_id: str
    hop: int
    step: str
    chain_id: int
    tx_hash: Hash32
    raw: bytes
    state: str
    created: float


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
    """A flow as the journal knows it. `kind`: eth | message | native (a plain transfer)."""

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


class Journal:
    """SQLite-backed record of flows, hops, signed transactions and step events."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        target = default_journal_path() if path is None else path
        self.path = str(target)
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the journal folder for {self.path}") from exc
        try:
            self._db = sqlite3.connect(
                self.path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA busy_timeout = 10000")
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the journal {self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._closed = False
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

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise ConfigError("the journal is closed")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

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
        with self._tx() as db:
            db.execute(
                "UPDATE hops SET ref = ? WHERE flow_id = ? AND idx = ?",
                (ref.to_json(), flow_id, hop),
            )
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
        """Commit a signed transaction; called before it is broadcast."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO txs (flow_id, hop, step, chain_id, tx_hash, raw, created)"
                " VALUES (?,?,?,?,?,?,?)",
                (flow_id, hop, step, chain_id, to_hash32(tx_hash), "0x" + raw.hex(), time.time()),
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

    @staticmethod
    def _touch(db: sqlite3.Connection, flow_id: str) -> None:
        db.execute("UPDATE flows SET updated = ? WHERE id = ?", (time.time(), flow_id))

    # ------------------------------------------------------------------ reads
    def get(self, flow_id: str) -> FlowRecord:
        """The flow with this id (a unique prefix of at least 6 characters also works)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM flows WHERE id = ? OR (length(?) >= 6 AND id LIKE ? || '%')",
                (flow_id, flow_id, flow_id),
            ).fetchall()
        if not rows:
            raise InputError(f"no flow {flow_id!r} in the journal {self.path}")
        if len(rows) > 1:
            raise InputError(f"flow id prefix {flow_id!r} is ambiguous")
        return self._flow(rows[0])

    def find_by_tx(self, tx_hash: str) -> FlowRecord | None:
        """The flow one of whose transactions (any step, any hop) has this hash."""
        h = to_hash32(tx_hash)
        with self._lock:
            row = self._db.execute(
                "SELECT flow_id FROM txs WHERE tx_hash = ? ORDER BY seq LIMIT 1", (h,)
            ).fetchone()
            if row is None:
                row = self._db.execute(
                    "SELECT flow_id FROM hops WHERE ref LIKE ? LIMIT 1", (f'%"{h}"%',)
                ).fetchone()
        return None if row is None else self.get(str(row[0]))

    def flows(self, *, unfinished: bool = False) -> list[FlowRecord]:
        q = "SELECT * FROM flows" + (" WHERE done = 0" if unfinished else "") + " ORDER BY created"
        with self._lock:
            rows = self._db.execute(q).fetchall()
        return [self._flow(r) for r in rows]

    def txs(
        self, flow_id: str, *, hop: int | None = None, step: str | None = None
    ) -> list[TxRecord]:
        q, args = "SELECT * FROM txs WHERE flow_id = ?", [flow_id]
        if hop is not None:
            q += " AND hop = ?"
            args.append(str(hop))
        if step is not None:
            q += " AND step = ?"
            args.append(step)
        with self._lock:
            rows = self._db.execute(q + " ORDER BY seq", args).fetchall()
        return [
            TxRecord(
                seq=int(r[0]),
                flow_id=str(r[1]),
                hop=int(r[2]),
                step=str(r[3]),
                chain_id=int(r[4]),
                tx_hash=Hash32(r[5]),
                raw=bytes.fromhex(str(r[6])[2:]),
                state=str(r[7]),
                created=float(r[8]),
            )
            for r in rows
        ]

    def events(self, flow_id: str) -> list[tuple[float, str, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT at, what, detail FROM events WHERE flow_id = ? ORDER BY seq", (flow_id,)
            ).fetchall()
        return [(float(a), str(w), str(d)) for a, w, d in rows]

    def _flow(self, r: tuple[Any, ...]) -> FlowRecord:
        with self._lock:
            hop_rows = self._db.execute(
                "SELECT idx, adapter, direction, source_chain, target_chain, ref, status, native"
                " FROM hops WHERE flow_id = ? ORDER BY idx",
                (r[0],),
            ).fetchall()
        hops = tuple(
            HopRecord(
                index=int(h[0]),
                adapter=str(h[1]),
                direction=str(h[2]),
                source_chain=int(h[3]),
                target_chain=int(h[4]),
                ref=FlowRef.from_json(h[5]) if h[5] else None,
                status=str(h[6]),
                native=str(h[7]),
            )
            for h in hop_rows
        )
        return FlowRecord(
            id=str(r[0]),
            kind=str(r[1]),
            source_chain=int(r[2]),
            target_chain=int(r[3]),
            value=int(r[4]),
            recipient=str(r[5]),
            sender=str(r[6]),
            data=bytes.fromhex(str(r[7])[2:]),
            options=json.loads(r[8]),
            status=str(r[9]),
            native=str(r[10]),
            done=bool(r[11]),
            error=None if r[12] is None else str(r[12]),
            created=float(r[13]),
            updated=float(r[14]),
            hops=hops,
        )


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
