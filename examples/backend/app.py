"""A dApp backend on FastAPI: portfolio balances, starting a withdrawal, tracking it.

One `Interop` is shared by every request (opened at startup, closed at shutdown): its clients
keep their connections, its one signer hands out each nonce once however many requests sign
concurrently, and its journal records every withdrawal before it is sent, so `GET /flows/{id}`
answers after a restart too.

Configuration (environment): INTEROP_CHAINS_FILE (the chains, e.g. the devnet's chain file),
BACKEND_USER_KEY (the key withdrawals are signed with: a custodial user, or a hot wallet),
BACKEND_JOURNAL (default backend-journal.sqlite3).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from pydantic import BaseModel

from interop import Interop
from interop.chains.loader import load_chains
from interop.errors import InputError, InteropError
from interop.signer import account_from_key


class WithdrawalRequest(BaseModel):
    chain: int
    """The L2 to withdraw from (to its parent chain)."""
    value_wei: int
    recipient: str | None = None
    """Default: the user's own address on the parent chain."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    chains = load_chains(os.environ["INTEROP_CHAINS_FILE"])
    account = account_from_key(os.environ["BACKEND_USER_KEY"])
    journal = os.environ.get("BACKEND_JOURNAL", "backend-journal.sqlite3")
    async with Interop(chains, account=account, journal=journal) as io:
        app.state.io = io
        yield


app = FastAPI(title="interop backend example", lifespan=lifespan)


def interop(request: Request) -> Interop:
    io: Interop = request.app.state.io
    return io


def _http(exc: InteropError) -> HTTPException:
    """Refused inputs are the client's fault (nothing was sent); anything else is upstream."""
    if isinstance(exc, InputError):
        return HTTPException(400, detail={"error": exc.message, "hint": exc.hint})
    return HTTPException(502, detail={"error": exc.message, "hint": exc.hint})


@app.get("/balances")
async def balances(
    request: Request, addresses: str = Query(...), chains: str | None = None
) -> dict[str, Any]:
    """Native balances (wei, as strings) of comma-separated addresses on chains (default: all)."""
    io = interop(request)
    wanted = [int(c) if c.isdigit() else c for c in chains.split(",")] if chains else None
    try:
        table = await io.balances(addresses.split(","), chains=wanted)
    except InteropError as exc:
        raise _http(exc) from exc
    return {
        str(e.chain_id): (
            {"error": e.error.message}
            if e.error is not None
            else {a: str(v) for a, v in e.balances.items()}
        )
        for e in table
    }


@app.post("/withdrawals", status_code=201)
async def withdraw(request: Request, body: WithdrawalRequest) -> dict[str, Any]:
    """Start a withdrawal; returns its flow id at once (the rest takes from minutes to days)."""
    io = interop(request)
    try:
        chain = io.chain(body.chain)
        if chain.parent_id is None:
            raise InputError(f"{chain.name} has no parent chain to withdraw to")
        flow = await io.bridge(body.value_wei, chain.id, chain.parent_id, body.recipient)
    except InteropError as exc:
        raise _http(exc) from exc
    return {"flow_id": flow.id, "tx_hash": flow.tx_hash}


@app.get("/flows/{flow_id}")
async def flow_status(request: Request, flow_id: str) -> dict[str, Any]:
    """Where a journaled flow stands, read from chain."""
    io = interop(request)
    try:
        flow = io.flow(flow_id)
    except InputError as exc:
        raise HTTPException(404, detail={"error": exc.message}) from exc
    try:
        state = await flow.status()
    except InteropError as exc:
        raise _http(exc) from exc
    return state.to_dict()
