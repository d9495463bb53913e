"""A JSON-RPC server in front of an L2 anvil, answering what the emulated stack's node adds.

Anvil speaks plain Ethereum RPC; an emulated rollup's clients also ask for the node's own
methods (`zks_*`, Arbitrum's NodeInterface) and fields (batch numbers in receipts, the hashes
of emulated transaction types). A devnet component starts a shim in front of its L2 anvil
and makes the chain's RPC URL the shim's. The plumbing is the same for every stack and lives
here: the aiohttp server on 127.0.0.1 (a free port), batches answered element by element, the
upstream call, JSON-RPC errors. A stack's shim overrides `dispatch(method, params)`: it
answers the methods it emulates and passes the rest to `forward` (anvil).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

from aiohttp import ClientSession, ClientTimeout, web

__all__ = ["JsonRpcShim", "RpcFailure"]


class RpcFailure(Exception):
    """A JSON-RPC error to answer with: anvil's, passed on, or the shim's own."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


class JsonRpcShim:
    """aiohttp server on 127.0.0.1:0 in front of `upstream`; `url` after `start()`."""

    forward_error_data: ClassVar[bool] = True
    """Whether an upstream error's `data` (revert data) is passed on to the client. The ZKsync
    shim has always answered without it (kept so, to change no behaviour)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._session: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        self._session = ClientSession(timeout=ClientTimeout(total=60))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def dispatch(self, method: str, params: list[Any]) -> Any:
        """The answer to one request; raise `RpcFailure` for an error. By default: anvil's."""
        return await self.forward(method, params)

    async def forward(self, method: str, params: list[Any]) -> Any:
        """`method` on the upstream anvil: its result, or its error as `RpcFailure`."""
        assert self._session is not None
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        async with self._session.post(self.upstream, json=body) as resp:
            out = await resp.json(content_type=None)
        if "error" in out:
            e = out["error"]
            data = e.get("data") if self.forward_error_data else None
            raise RpcFailure(int(e.get("code", -32000)), str(e.get("message")), data)
        return out.get("result")

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
            )
        if isinstance(body, list):
            out: Any = await asyncio.gather(*(self._one(x) for x in body))
        else:
            out = await self._one(body)
        return web.json_response(out)

    async def _one(self, req: dict[str, Any]) -> dict[str, Any]:
        rid = req.get("id")
        try:
            result = await self.dispatch(str(req.get("method")), list(req.get("params") or []))
        except RpcFailure as f:
            err: dict[str, Any] = {"code": f.code, "message": f.message}
            if f.data is not None:
                err["data"] = f.data
            return {"jsonrpc": "2.0", "id": rid, "error": err}
        except Exception as exc:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32603, "message": str(exc)}}
        return {"jsonrpc": "2.0", "id": rid, "result": result}
