"""The PostgreSQL journal on a real server: same interface and rows as the SQLite journal, leases
that never overlap and expire, and fencing (a worker without a live lease cannot sign)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from interop.adapters.base import Direction, FlowKind, FlowRef
from interop.errors import InputError, JournalError, RpcUnreachableError
from interop.journal import SCHEMA_VERSION, Journal, RecordingSigner, open_journal
from interop.signer import account_from_key
from interop.types import to_hash32
from tests.helpers.postgres import PgServer, find_bin, open_together, pg_server

pytestmark = pytest.mark.skipif(
    find_bin() is None, reason="PostgreSQL server binaries (initdb, postgres) are not installed"
)
psycopg = pytest.importorskip("psycopg", reason="psycopg 3 (the postgres extra) is not installed")

KEY = "0x" + "4c" * 32
TX = {"to": "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "value": 1, "gas": 21000,
      "maxFeePerGas": 10**9, "maxPriorityFeePerGas": 1, "nonce": 0, "chainId": 900}  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    with pg_server() as s:
        yield s


@pytest.fixture
def url(server: PgServer) -> str:
    return server.create_db()


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


def test_url_selects_postgres_and_rows_roundtrip(url: str) -> None:
    from interop.journal_pg import PgJournal

    j = Journal(url)  # what Interop(journal=url) and `--journal url` do
    assert isinstance(j, PgJournal) and open_journal(j) is j
    fid = _flow(j, data=b"\x01\x02", options={"force": True})
    ref = FlowRef("opstack", Direction.L2_TO_L1, FlowKind.ETH, 901, 900,
                  to_hash32(b"\x11" * 32), {"l2_block": 7})  # fmt: skip
    j.set_hop_ref(fid, 0, ref)
    j.set_hop_status(fid, 0, "waiting-to-prove", "waiting-to-prove")
    signed = RecordingSigner(account_from_key(KEY), j, fid, 0, "prove").sign_transaction(TX)
    j.close()
    with open_journal(url) as j2:  # another connection (another process) sees it all
        r = j2.get(fid)
        assert r.value == 10**18 + 1 and r.data == b"\x01\x02" and r.options == {"force": True}
        assert r.hops[0].ref == ref and r.hops[1].ref is None
        assert r.hops[0].status == "waiting-to-prove"
        assert j2.get(fid[:6]).id == fid
        with pytest.raises(InputError):
            j2.get("nope")
        h = to_hash32(bytes(signed.hash))
        [t] = j2.txs(fid)
        assert (t.tx_hash, t.raw, t.state, t.step, t.nonce) == (
            h, bytes(signed.raw_transaction), "signed", "prove", 0,
        )  # fmt: skip
        assert t.sender == account_from_key(KEY).address
        assert j2.find_by_tx(h).id == fid  # type: ignore[union-attr]
        assert j2.find_by_tx("0x" + "11" * 32).id == fid  # type: ignore[union-attr]
        j2.set_tx_state(h, "mined")
        assert j2.txs(fid, step="prove")[0].state == "mined"
        assert [e[1] for e in j2.events(fid)] == ["created", "signed prove"]
        lost = j2.note_raised(fid, RpcUnreachableError("answer lost"))
        assert (lost.tx_hash, lost.may_have_executed) == (h, True)
        assert [f.id for f in j2.flows(unfinished=True)] == [fid]
        j2.set_status(fid, "finalized", "finalized", done=True)
        assert j2.flows(unfinished=True) == [] and len(j2.flows()) == 1
        assert j2.schema_version == SCHEMA_VERSION and "created_by" in j2.meta()
        assert "***" not in j2.path  # no password in this URL; a password is never shown
    from interop.journal_pg import _shown

    assert _shown("postgresql://u:secret@h:5/db") == "postgresql://u:***@h:5/db"


def test_claims_never_overlap_and_expired_leases_are_taken_over(url: str) -> None:
    setup = Journal(url)
    ids = {_flow(setup) for _ in range(40)}
    got: dict[str, list[str]] = {}

    def worker(name: str) -> None:
        j = Journal(url)  # one connection per worker, as in separate processes
        mine: list[str] = []
        while batch := j.claim(name, limit=3, ttl=30):
            mine += batch
        got[name] = mine
        j.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [f for v in got.values() for f in v]
    assert sorted(claimed) == sorted(ids)  # every flow once, none twice
    assert len([v for v in got.values() if v]) >= 2  # the claims really interleaved

    # w0 dies: its leases are not renewed; once they expire another worker takes them
    victim = got["w0"][0] if got["w0"] else claimed[0]
    holder = setup.lease_of(victim)
    assert holder is not None and holder[0] is not None
    assert setup.claim("w9", limit=100, ttl=30) == []  # live leases: nothing to take
    with setup._tx() as db:  # fast-forward: every lease of the victim's holder expired
        db.execute("UPDATE leases SET until = 0 WHERE owner = ?", (holder[0],))
    taken = setup.claim("w9", limit=100, ttl=30)
    assert victim in taken and set(taken) == set(got[holder[0]])
    assert setup.renew(str(holder[0]), [victim], 30) == set()  # the dead worker lost it
    assert setup.renew("w9", [victim], 30) == {victim}
    setup.release("w9", victim, delay=3600)
    assert victim not in setup.claim("w8", limit=100, ttl=30)  # not due for an hour
    setup.close()


def test_fencing_a_worker_without_its_lease_cannot_sign(url: str) -> None:
    a = Journal(url)
    b = Journal(url)
    user = Journal(url)
    fid = _flow(a)
    a.owner, b.owner = "A", "B"
    assert a.claim("A", limit=1, ttl=30) == [fid]
    signer = account_from_key(KEY)
    with pytest.raises(JournalError, match="leased by worker A"):  # B never claimed it
        RecordingSigner(signer, b, fid, 0, "prove").sign_transaction(TX)
    with pytest.raises(JournalError, match="leased by worker A"):  # a user's own process
        RecordingSigner(signer, user, fid, 0, "prove").sign_transaction(TX)
    assert a.txs(fid) == []  # nothing recorded, so nothing could be broadcast
    RecordingSigner(signer, a, fid, 0, "prove").sign_transaction(TX)  # A holds it: fine
    # A stalls past its lease, B takes over: A can no longer sign, B can
    with a._tx() as db:
        db.execute("UPDATE leases SET until = 0 WHERE flow_id = ?", (fid,))
    assert b.claim("B", limit=1, ttl=30) == [fid]
    with pytest.raises(JournalError, match="leased by worker B"):
        RecordingSigner(signer, a, fid, 0, "finalize").sign_transaction({**TX, "nonce": 1})
    RecordingSigner(signer, b, fid, 0, "finalize").sign_transaction({**TX, "nonce": 1})
    assert [t.step for t in user.txs(fid)] == ["prove", "finalize"]
    b.release("B", fid)
    with pytest.raises(JournalError, match="B lost its lease"):  # released: B must claim again
        RecordingSigner(signer, b, fid, 0, "x").sign_transaction({**TX, "nonce": 2})
    RecordingSigner(signer, user, fid, 0, "x").sign_transaction({**TX, "nonce": 2})  # unleased
    for j in (a, b, user):
        j.close()


def test_two_journals_create_the_schema_at_once(server: PgServer) -> None:
    url = server.create_db()
    assert open_together(url) == []
    with Journal(url) as j:
        assert j.schema_version == SCHEMA_VERSION


def test_unreachable_server_is_a_journal_error() -> None:
    t0 = time.monotonic()
    with pytest.raises(JournalError, match="cannot open the journal"):
        Journal("postgresql://nobody:pw@127.0.0.1:1/x?connect_timeout=2")
    assert time.monotonic() - t0 < 10
