"""`interop doctor`: check the configuration a user is about to trust, before value moves on it.

Why: a wrong RPC URL (another chain), a node that cannot serve proofs, a bridge address with no
code, or chain data the chain itself contradicts all fail late, on a flow with value in it. Each
is cheap to check up front, so `doctor` checks every one and reports every finding at once:

- every RPC URL of every chain answers, with the configured chain id, and how fast (ms);
- the node serves `eth_getProof` at a recent block (not only `latest`): required where discovery
  says withdrawals are proven against an output root (the chain's portal names a dispute game
  factory or an output oracle), informative elsewhere;
- every contract of the chain data (its own and, for an L2, the parent-side ones) has code;
- where the chain can tell (`interop.discovery`: the family's root contract names the others),
  the chain data agrees with the chain; each disagreement is reported with both values.

Nothing here names a rollup family: what a family can tell comes from `interop.discovery`.
Nothing is signed or sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from interop.chains.model import Chain, ContractName
from interop.chains.predeploys import L2_TO_L1_MESSAGE_PASSER
from interop.client import ChainClient
from interop.discovery import Discovered, discover
from interop.errors import ChainIdMismatchError, InteropError
from interop.rpc.base import Transport
from interop.rpc.fallback import make_transport

__all__ = ["Check", "DoctorReport", "doctor"]

Status = Literal["ok", "fail", "skip"]

PROOF_DEPTH = 32
"""How many blocks below the head the proof probe asks for: a withdrawal is proven at an older
block than `latest`, and a pruned node refuses exactly that."""

_ZERO = "0x" + "00" * 20
_ORDER = {"rpc": 0, "chain_id": 0, "proof": 1, "registry": 2, "code": 3}
"""Report order within a chain (a stable sort: concurrent checks finish in any order)."""


@dataclass(frozen=True)
class Check:
    """One finding. `status` "skip" = could not be checked here (never counts as a failure).

    For a registry mismatch, `key` is the contract key, `expected` the chain data's address and
    `actual` what the chain answers (`detail` says where it was read)."""

    chain_id: int
    chain_name: str
    check: str
    status: Status
    detail: str = ""
    url: str | None = None
    latency_ms: float | None = None
    key: str | None = None
    expected: str | None = None
    actual: str | None = None


@dataclass(frozen=True)
class DoctorReport:
    """Every check made, in chain order; `ok` when none failed."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


def _display(url: str) -> str:
    """A URL without its path and query (API keys live there)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


class _Chain:
    """Checks of one chain; `client` is set once one of its URLs serves the right chain."""

    def __init__(self, chain: Chain, timeout: float) -> None:
        self.chain = chain
        self.timeout = timeout
        self.checks: list[Check] = []
        self.client: ChainClient | None = None
        self._transports: list[Transport] = []

    def add(self, check: str, status: Status, detail: str = "", **kw: Any) -> None:
        self.checks.append(Check(self.chain.id, self.chain.name, check, status, detail, **kw))

    async def rpc(self) -> None:
        """Each URL on its own (a fallback list hides a dead or wrong member otherwise)."""
        for url in self.chain.rpc_urls:
            shown = _display(url)
            transport = make_transport(url, deadline=self.timeout)
            self._transports.append(transport)
            client = ChainClient(self.chain, transport, owns_transport=False, deadline=self.timeout)
            start = time.perf_counter()
            try:
                actual = int(await client.request("eth_chainId"), 16)
            except (InteropError, ValueError, TypeError) as exc:
                self.add("rpc", "fail", f"no answer: {exc}", url=shown)
                continue
            ms = round((time.perf_counter() - start) * 1000, 1)
            if actual != self.chain.id:
                err = ChainIdMismatchError(shown, self.chain.id, actual)
                self.add(
                    "chain_id", "fail", err.message, url=shown, latency_ms=ms,
                    expected=str(self.chain.id), actual=str(actual),
                )  # fmt: skip
                continue
            self.add("rpc", "ok", f"chain id {actual}", url=shown, latency_ms=ms)
            if self.client is None:
                self.client = client

    async def aclose(self) -> None:
        for t in self._transports:
            await t.aclose()


async def _proof(c: _Chain, required: bool) -> None:
    """`eth_getProof` a few blocks below the head; a failure counts only where it is needed."""
    assert c.client is not None
    account = L2_TO_L1_MESSAGE_PASSER if required else _ZERO
    try:
        head = await c.client.block_number()
        block = max(0, head - PROOF_DEPTH)
        await c.client.get_proof(account, [], block)
    except InteropError as exc:
        status: Status = "fail" if required else "skip"
        why = "withdrawals from this chain are proven with it" if required else "not needed here"
        c.add("proof", status, f"eth_getProof unavailable ({why}): {exc.message}")
        return
    c.add("proof", "ok", f"eth_getProof at block {block} (head - {head - block})")


async def _code(c: _Chain, on: ChainClient, key: str, address: str, where: str) -> None:
    try:
        code = await on.get_code(address)
    except InteropError as exc:
        c.add("code", "fail", f"{where} {key} {address}: {exc.message}", key=key)
        return
    if code:
        c.add("code", "ok", f"{where} {key} {address}: {len(code)} bytes", key=key)
    else:
        c.add("code", "fail", f"{where} {key} {address} has no code", key=key, expected=address)


def _needs_proofs(found: Discovered | None) -> bool:
    """Withdrawals proven against an output root need the L2's storage proofs (discovery tells
    whether the parent-side root names a game factory or an output oracle)."""
    if found is None:
        return False
    keys = (ContractName.DISPUTE_GAME_FACTORY, ContractName.L2_OUTPUT_ORACLE)
    return any(k in found.onchain for k in keys)


async def _registry(c: _Chain, parent: ChainClient) -> Discovered | None:
    try:
        found = await discover(parent, c.chain)
    except InteropError as exc:
        c.add("registry", "fail", f"cannot read from the chain: {exc.message}")
        return None
    if not found.onchain:
        c.add("registry", "skip", "this family names no contracts on chain to compare")
        return found
    bad = {m.key: m for m in found.mismatches}
    for key, value in sorted(found.onchain.items()):
        m = bad.get(key)
        if m is None:
            c.add("registry", "ok", f"{key} {value} agrees with the chain", key=key)
        else:
            c.add(
                "registry", "fail", m.describe(), key=key,
                expected=str(m.static), actual=str(m.onchain),
            )  # fmt: skip
    return found


async def doctor(
    chains: Sequence[Chain], *, timeout: float = 10.0, parents: Sequence[Chain] = ()
) -> DoctorReport:
    """Check `chains` (those with RPC URLs; others are reported as skipped).

    An L2's parent-side checks go through its parent's RPC, looked up among `chains` and then
    `parents`; an L2 whose parent has no working RPC gets those checks skipped. `timeout`: seconds
    any one call may take. Never raises for what it finds: every finding is a `Check`.
    """
    by_id = {ch.id: ch for ch in (*parents, *chains)}
    states: dict[int, _Chain] = {}
    for ch in by_id.values():
        if ch.rpc_urls:
            states[ch.id] = _Chain(ch, timeout)
    try:
        await asyncio.gather(*(s.rpc() for s in states.values()))

        async def one(ch: Chain) -> list[Check]:
            s = states.get(ch.id)
            if s is None:
                return [Check(ch.id, ch.name, "rpc", "skip", "no RPC URL configured")]
            out = _Chain(ch, timeout)
            out.checks = list(s.checks)
            if s.client is None:
                return out.checks
            out.client = s.client
            jobs = [_code(out, s.client, k, str(a), "own") for k, a in sorted(ch.contracts.items())]
            found: Discovered | None = None
            p = states.get(ch.parent_id) if ch.parent_id is not None else None
            if ch.parent_id is not None:
                if p is None or p.client is None:
                    out.add("registry", "skip", f"parent {ch.parent_id} has no working RPC here")
                else:
                    table = ch.parent_contracts.get(ch.parent_id, {})
                    jobs += [
                        _code(out, p.client, k, str(a), f"parent {ch.parent_id}")
                        for k, a in sorted(table.items())
                    ]
                    found = await _registry(out, p.client)
            await _proof(out, _needs_proofs(found))
            await asyncio.gather(*jobs)
            return sorted(out.checks, key=lambda c: (_ORDER.get(c.check, 9), c.detail))

        results = await asyncio.gather(*(one(ch) for ch in chains))
    finally:
        for s in states.values():
            await s.aclose()
    return DoctorReport(tuple(c for r in results for c in r))
