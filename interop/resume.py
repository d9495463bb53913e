"""Finishing every unfinished journaled flow after a crash or restart (`Interop.resume`).

Rules, each for a reported defect:

- Only this signer's flows. A journal is per user, not per key: a flow is continued only by the
  account that started it (its later steps spend that account's gas and, for a two-hop route,
  its funds). Other accounts' flows are reported as skipped, and nothing is sent for them.
- Never a payment the caller was told had failed. A flow whose starting call raised before
  anything was signed is `abandoned` and is sent only with `include_abandoned=True`; a flow
  whose call raised after signing is finished by settling those exact signed bytes (the
  caller's error said it may have executed). See `interop.journal` for the whole rule.
- Never hangs. Each flow has its own time bound (`timeout`, default 600 s; None means that
  default, not "forever"); a signed transaction without a receipt is looked up with `tx_fate`
  before anything waits on it, and one whose nonce another transaction used is marked
  `replaced` and not waited on. Flows run concurrently (at most `concurrency` at once), so one
  slow flow does not hold up the others; that is safe for nonces because every flow signs
  through the host's one `SafeSigner`, whose one `NonceManager` hands out each nonce once.

One flow's failure is reported in its `ResumeResult` rather than stopping the others. It works on
a `FlowHost` (signer, journal, clients, adapters) and the configured chain ids, never the facade.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from interop.errors import FlowTimeoutError, InputError, InteropError, mark_sent
from interop.flows import FlowHost, check_timing, handle_for
from interop.journal import ABANDONED, FlowRecord
from interop.signer import require_signer

if TYPE_CHECKING:
    from interop.flows import FlowState, Progress, Sleep

__all__ = ["DEFAULT_FLOW_TIMEOUT", "ResumeResult", "resume_flows"]

DEFAULT_FLOW_TIMEOUT = 600.0
"""Seconds one flow may take in one `resume` (a withdrawal's challenge period is not waited out
in one go on a real chain: resume again later)."""

_GRACE = 5.0
"""Extra seconds for the hard bound beyond the flow's own deadline, so the flow's own (more
informative) timeout error normally wins."""


@dataclass(frozen=True)
class ResumeResult:
    """Outcome of resuming one flow: its final `state`, or the `error`, or why it was `skipped`."""

    flow_id: str
    state: FlowState | None
    error: InteropError | None
    skipped: str | None

    @property
    def ok(self) -> bool:
        return self.state is not None


def _skip_reason(
    host: FlowHost, configured: Collection[int], rec: FlowRecord, me: str, include_abandoned: bool
) -> str | None:
    ids = {rec.source_chain, rec.target_chain} | {
        c for h in rec.hops for c in (h.source_chain, h.target_chain)
    }
    missing = sorted(i for i in ids if i not in configured)
    if missing:
        return f"chains not configured: {missing}"
    if rec.sender and rec.sender.lower() != me.lower():
        return f"another account's flow ({rec.sender})"
    if include_abandoned:
        return None
    if rec.status == ABANDONED:
        return "abandoned: its starting call raised before anything was signed"
    if not host.journal.txs(rec.id) and all(h.ref is None for h in rec.hops):
        # a crash between journaling and signing: nothing was ever sent, so it is abandoned
        host.journal.set_status(
            rec.id, ABANDONED, "not-started", done=True, error="nothing was signed before a crash"
        )
        return "abandoned: nothing was ever signed for it (resume(include_abandoned=True) sends it)"
    return None


async def resume_flows(
    host: FlowHost,
    configured: Collection[int],
    *,
    progress: Progress | None = None,
    sleep: Sleep | None = None,
    timeout: float | None = DEFAULT_FLOW_TIMEOUT,
    poll: float = 1.0,
    max_interval: float = 60.0,
    include_abandoned: bool = False,
    concurrency: int = 4,
) -> list[ResumeResult]:
    """The loop behind `Interop.resume` (see the module docstring). Results are in journal
    order. A flow touching a chain not in `configured` is skipped (not failed): another host
    with that chain can still finish it."""
    check_timing(timeout=timeout, poll=poll, max_interval=max_interval)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InputError(f"concurrency must be an int >= 1, got {concurrency!r}")
    bound = DEFAULT_FLOW_TIMEOUT if timeout is None else float(timeout)
    j = host.journal
    records = j.flows(unfinished=True)
    if include_abandoned:
        records = sorted(records + j.flows(status=ABANDONED), key=lambda r: r.created)
    if not records:
        return []
    me = require_signer(host.signer, "resume flows").address
    results: list[ResumeResult | None] = [None] * len(records)
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int, rec: FlowRecord) -> None:
        async with sem:
            results[i] = await _resume_one(
                host, rec, progress, sleep, bound, poll, max_interval, include_abandoned
            )

    jobs = []
    for i, rec in enumerate(records):
        reason = _skip_reason(host, configured, rec, me, include_abandoned)
        if reason is not None:
            results[i] = ResumeResult(rec.id, None, None, reason)
        else:
            jobs.append(one(i, rec))
    outcomes = await asyncio.gather(*jobs, return_exceptions=True)
    for o in outcomes:  # a bug in one flow surfaces, but only after every flow had its turn
        if isinstance(o, BaseException):
            raise o
    return [r for r in results if r is not None]


async def _resume_one(
    host: FlowHost,
    rec: FlowRecord,
    progress: Progress | None,
    sleep: Sleep | None,
    bound: float,
    poll: float,
    max_interval: float,
    include_abandoned: bool,
) -> ResumeResult:
    flow = handle_for(host, host.journal.get(rec.id))
    try:
        st = await asyncio.wait_for(
            flow.complete(
                progress=progress,
                sleep=sleep,
                timeout=bound,
                poll=poll,
                max_interval=max_interval,
                receipt_timeout=min(120.0, bound),
                send_abandoned=include_abandoned,
            ),
            timeout=bound + _GRACE,
        )
        return ResumeResult(rec.id, st, None, None)
    except InteropError as exc:
        mark_sent(exc, None, flow_id=rec.id)
        return ResumeResult(rec.id, None, exc, None)
    except TimeoutError:
        err = FlowTimeoutError(
            f"flow {rec.id} did not finish within {bound:g}s",
            hint="it continues on chain; run resume again later",
        )
        mark_sent(err, None, flow_id=rec.id)
        return ResumeResult(rec.id, None, err, None)
