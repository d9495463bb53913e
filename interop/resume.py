"""Finishing every unfinished journaled flow after a crash or restart (`Interop.resume`).

Flows run one after the other because they share one account and one nonce sequence: two
flows resumed concurrently would race for nonces on the same chain. Each flow continues from
its on-chain status (re-broadcasting signed transactions that have no receipt first), so no
step is ever repeated, and one flow's failure is reported in its `ResumeResult` rather than
stopping the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from interop.errors import InteropError

if TYPE_CHECKING:
    from interop.facade import Interop
    from interop.flows import FlowState, Progress, Sleep

__all__ = ["ResumeResult", "resume_flows"]


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


async def resume_flows(
    io: Interop,
    *,
    progress: Progress | None = None,
    sleep: Sleep | None = None,
    timeout: float | None = None,
    poll: float = 1.0,
    max_interval: float = 60.0,
) -> list[ResumeResult]:
    """The loop behind `Interop.resume`. A flow touching a chain `io` is not configured for is
    skipped (not failed): another `Interop` with that chain can still finish it."""
    configured = {c.id for c in io.chains}
    out: list[ResumeResult] = []
    for f in io.flows(unfinished=True):
        ids = {f.source, f.target} | {
            c for h in f.record.hops for c in (h.source_chain, h.target_chain)
        }
        missing = sorted(i for i in ids if i not in configured)
        if missing:
            out.append(ResumeResult(f.record.id, None, None, f"chains not configured: {missing}"))
            continue
        try:
            st = await f.complete(
                progress=progress,
                sleep=sleep,
                timeout=timeout,
                poll=poll,
                max_interval=max_interval,
            )
            out.append(ResumeResult(f.record.id, st, None, None))
        except InteropError as exc:
            out.append(ResumeResult(f.record.id, None, exc, None))
    return out
