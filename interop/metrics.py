"""Prometheus text metrics for `interop watch`: flows by status, steps, failures, deadlines.

Why: an operator running workers needs to see, without reading logs, how many flows are in
flight and in which state, whether steps are being performed, whether failures or gas waits pile
up, and how close the nearest deadline is. The text exposition format is small enough to write
directly (no client library needed); `MetricsServer` serves it on `/metrics` with aiohttp,
which the package already uses. Flow counts come from the journal (one GROUP BY query), so
every worker on a shared PostgreSQL journal reports the same totals; the step counters are this
worker's own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from interop.journal import Journal

__all__ = ["MetricsServer", "render"]

_COUNTERS = (
    ("steps", "Steps (transactions) this worker performed."),
    ("finished", "Flows this worker saw finish."),
    ("failed", "Flows this worker saw end badly on chain."),
    ("errors", "Step attempts that raised (retried with a growing delay)."),
    ("gas_waits", "Times a step waited because gas was above the cap."),
    ("deadline_alerts", "Deadline alerts raised (passed, or near and not actionable)."),
    ("gave_up", "Flows left alone after repeated failures."),
)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(journal: Journal, stats: Any = None, *, owner: str | None = None) -> str:
    """The metrics as Prometheus text (version 0.0.4). `stats`: a worker's
    `interop.watch.WatchStats` (typed loosely: the worker imports this module)."""
    lines = [
        "# HELP interop_flows Flows in the journal by status (done=1: nothing more will happen).",
        "# TYPE interop_flows gauge",
    ]
    for (status, done), n in sorted(journal.counts().items()):
        lines.append(f'interop_flows{{status="{_label(status)}",done="{int(done)}"}} {n}')
    if stats is not None:
        worker = f'{{worker="{_label(owner or "")}"}}'
        for name, why in _COUNTERS:
            lines += [
                f"# HELP interop_watch_{name}_total {why}",
                f"# TYPE interop_watch_{name}_total counter",
                f"interop_watch_{name}_total{worker} {getattr(stats, name)}",
            ]
        if stats.next_deadline is not None:
            lines += [
                "# HELP interop_watch_next_deadline_seconds Chain seconds to the nearest deadline"
                " of a watched flow (negative: passed).",
                "# TYPE interop_watch_next_deadline_seconds gauge",
                f"interop_watch_next_deadline_seconds{worker} {stats.next_deadline:g}",
            ]
    return "\n".join(lines) + "\n"


class MetricsServer:
    """`/metrics` on `host:port` (port 0: any free port, see `.port`), while in `async with`."""

    def __init__(self, text: Callable[[], str], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._text = text
        self.host = host
        self.port = port
        self._runner: Any = None

    async def __aenter__(self) -> MetricsServer:
        from aiohttp import web

        async def metrics(_: web.Request) -> web.Response:
            return web.Response(
                text=self._text(), content_type="text/plain", headers={"X-Format": "0.0.4"}
            )

        app = web.Application()
        app.router.add_get("/metrics", metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        with contextlib.suppress(AttributeError, IndexError, TypeError):
            self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
