"""`eth_getLogs` over ranges a node refuses: split the range, merge the answers in order.

Nodes and providers cap log queries by block span or by result count and answer with an error
rather than a partial result. The wording differs per implementation; the patterns below cover
the ones seen in the wild (geth/infura "query returned more than 10000 results", alchemy "Log
response size exceeded ... this block range should work: [0x.., 0x..]", reth/anvil "query exceeds
max block range N" / "query exceeds max results N, retry with the range a-b", erigon and others
"block range too large" / "exceed maximum block range: N", quicknode "eth_getLogs is limited to a
10,000 range", chainstack "range limit exceeded", drpc "ranges over N blocks are not supported").
A suggested range in the message is used as the split point; otherwise the range is bisected.
A one-block range that is still refused raises the node's error.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from interop.errors import RpcResponseError
from interop.rpc.base import Transport

__all__ = ["RANGE_ERROR_PATTERNS", "fetch_logs", "is_range_error", "suggested_range"]

RANGE_ERROR_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"query returned more than \d+ results",
        r"response size (exceeded|should not|is larger)",
        r"query exceeds max (block range|results)",
        r"exceeds? (the )?max(imum)? (block )?range",
        r"block range (is )?(too (large|wide|big))",
        r"(requested )?range (is )?too (large|wide|big)",
        r"eth_getLogs (and eth_newFilter )?(requests? )?(are |is )?limited to",
        r"range limit exceeded",
        r"length limit exceeded",
        r"ranges over \d+ blocks",
        r"too many (logs|results|blocks)",
        r"max(imum)? (number of )?(logs|results) (exceeded|reached)",
        r"logs? limit exceeded|exceeded? max logs",
        r"block range (greater|larger) than",
    )
)

_HINT_HEX = re.compile(r"\[\s*(0x[0-9a-fA-F]+)\s*,\s*(0x[0-9a-fA-F]+)\s*\]")
_HINT_DEC = re.compile(r"retry with the range (\d+)\s*-\s*(\d+)", re.IGNORECASE)


def _text(err: RpcResponseError) -> str:
    data = err.data if isinstance(err.data, str) else ""
    return f"{err.message} {data}"


def is_range_error(err: BaseException) -> bool:
    """True if a node refused an `eth_getLogs` for its span or result size."""
    if not isinstance(err, RpcResponseError):
        return False
    text = _text(err)
    return any(p.search(text) for p in RANGE_ERROR_PATTERNS)


def suggested_range(err: RpcResponseError) -> tuple[int, int] | None:
    """The (from, to) block range a provider's error message suggests, if it names one."""
    text = _text(err)
    m = _HINT_HEX.search(text)
    if m:
        return int(m.group(1), 16), int(m.group(2), 16)
    m = _HINT_DEC.search(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    return None


async def _resolve(transport: Transport, tag: Any) -> int:
    if isinstance(tag, int):
        return tag
    if isinstance(tag, str) and tag.startswith(("0x", "0X")):
        return int(tag, 16)
    if tag == "earliest":
        return 0
    if tag in (None, "latest", "pending"):
        return int(await transport.request("eth_blockNumber", ()), 16)
    block = await transport.request("eth_getBlockByNumber", [tag, False])
    if not block:
        raise RpcResponseError(f"eth_getLogs: block {tag!r} not found")
    return int(block["number"], 16)


async def fetch_logs(
    transport: Transport,
    flt: dict[str, Any],
    *,
    max_concurrency: int = 4,
    max_block_range: int | None = None,
) -> list[dict[str, Any]]:
    """`eth_getLogs` for `flt`, split into sub-ranges whenever the node refuses one.

    Raw log dicts are returned in block order. `max_block_range` splits up front (for a
    provider whose cap is known) instead of waiting to be refused.
    """
    sem = asyncio.Semaphore(max_concurrency)

    async def query(lo: int, hi: int) -> list[dict[str, Any]]:
        sub = dict(flt)
        sub["fromBlock"] = hex(lo)
        sub["toBlock"] = hex(hi)
        async with sem:
            res = await transport.request("eth_getLogs", [sub])
        return list(res or [])

    async def span(lo: int, hi: int) -> list[dict[str, Any]]:
        try:
            return await query(lo, hi)
        except RpcResponseError as exc:
            if not is_range_error(exc):
                raise
            return await split(lo, hi, exc)

    async def split(lo: int, hi: int, exc: RpcResponseError) -> list[dict[str, Any]]:
        if lo >= hi:
            raise exc
        mid = (lo + hi) // 2
        hint = suggested_range(exc)
        if hint is not None and hint[0] == lo and lo <= hint[1] < hi:
            mid = hint[1]
        left, right = await asyncio.gather(span(lo, mid), span(mid + 1, hi))
        return left + right

    if "blockHash" in flt:
        return list(await transport.request("eth_getLogs", [flt]) or [])

    if max_block_range is None:
        try:
            return list(await transport.request("eth_getLogs", [flt]) or [])
        except RpcResponseError as exc:
            if not is_range_error(exc):
                raise
            first: RpcResponseError | None = exc
    else:
        first = None
    lo = await _resolve(transport, flt.get("fromBlock", "latest"))
    hi = await _resolve(transport, flt.get("toBlock", "latest"))
    if lo > hi:
        return []
    if first is not None:
        return await split(lo, hi, first)
    assert max_block_range is not None
    step = max(1, int(max_block_range))
    parts: Sequence[list[dict[str, Any]]] = await asyncio.gather(
        *(span(a, min(a + step - 1, hi)) for a in range(lo, hi + 1, step))
    )
    return [log for part in parts for log in part]
