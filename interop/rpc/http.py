"""aiohttp JSON-RPC transport (minimal version; being extended with retry/fallback/batching limits)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import aiohttp

from interop.errors import ExecutionRevertedError, RpcError, RpcResponseError, RpcUnreachableError
from interop.rpc.base import Call

__all__ = ["HttpTransport", "error_from_response"]


def error_from_response(err: dict[str, Any], method: str) -> RpcResponseError:
    code = err.get("code")
    msg = str(err.get("message", "")) or "JSON-RPC error"
    data = err.get("data")
    cls = ExecutionRevertedError if ("revert" in msg.lower() or code == 3) else RpcResponseError
    return cls(f"{method}: {msg}", code=code, data=data)


class HttpTransport:
    """One keep-alive aiohttp session for one URL. Close with `aclose()` or `async with`."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"HttpTransport({self.url!r})"

    async def __aenter__(self) -> HttpTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _sess(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=aiohttp.TCPConnector(limit=64, ttl_dns_cache=300)
            )
        return self._session

    async def _post(self, payload: Any) -> Any:
        try:
            async with self._sess().post(self.url, json=payload) as resp:
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise RpcUnreachableError(f"cannot reach {self.url}", details=str(exc)) from exc

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        body = await self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        )
        if "error" in body and body["error"] is not None:
            raise error_from_response(body["error"], method)
        return body.get("result")

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        if not calls:
            return []
        first = next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
            for i, (m, p) in enumerate(calls)
        ]
        for _ in range(len(calls) - 1):
            next(self._ids)
        body = await self._post(payload)
        if not isinstance(body, list):
            raise RpcError("batch answered with a non-list", details=str(body)[:200])
        by_id = {item.get("id"): item for item in body}
        out: list[Any] = []
        for i, (m, _) in enumerate(calls):
            item = by_id.get(first + i)
            if item is None:
                out.append(RpcError(f"{m}: missing from batch answer"))
            elif item.get("error") is not None:
                out.append(error_from_response(item["error"], m))
            else:
                out.append(item.get("result"))
        return out

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
