"""Several URLs of one chain behind one `Transport`.

Rules (see docs/transport.md):
- Order is preference. A member that gave no answer (unreachable, timeout, HTTP 429/5xx after its
  own retries) is skipped for `cooldown` seconds; then it is preferred again. If every member is
  cooling down, all are tried anyway, in order.
- A JSON-RPC error is an answer: it is raised, never failed over (another node would say the
  same, and a revert must not turn into "unreachable").
- Only idempotent calls (and `eth_sendRawTransaction`, whose hash is fixed) move to the next
  member after a failure that may have reached the node. Any other write moves on only if the
  request provably never left (the connection could not be opened).
- With `expected_chain_id`, each member's `eth_chainId` is checked on its first use, before it
  serves anything. A mismatch raises `ChainIdMismatchError` (a misconfigured URL is a hard error,
  not something to route around silently); a garbage answer is an `RpcResponseError`.
- One `deadline` bounds the whole call, across members. Each member gets an equal share of what
  is left (`left / members not yet tried`), so a member that accepts connections and never
  answers cannot use up the time the next URL needs.
- `eth_sendRawTransaction` that no member answered is always an `RpcUnreachableError` (never a
  bare timeout): the send path then looks the hash up, since a node may have the transaction.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from interop.errors import (
    ChainIdMismatchError,
    InputError,
    RpcError,
    RpcTimeoutError,
    RpcUnreachableError,
)
from interop.rpc.base import Call, Transport
from interop.rpc.http import DEFAULT_DEADLINE, HttpTransport
from interop.rpc.models import decode_quantity
from interop.rpc.retry import (
    all_idempotent,
    check_seconds,
    deadline_scope,
    is_idempotent,
    remaining,
    request_never_sent,
)

__all__ = ["FallbackTransport", "make_transport"]

T = TypeVar("T")


def _label(t: Transport) -> str:
    return str(getattr(t, "display_url", None) or repr(t))


class FallbackTransport:
    """Try members in order; see the module docstring for when it moves on."""

    def __init__(
        self,
        transports: Sequence[Transport],
        *,
        expected_chain_id: int | None = None,
        cooldown: float = 30.0,
        owns_transports: bool = True,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        if not transports:
            raise InputError("FallbackTransport needs at least one transport")
        self.transports: tuple[Transport, ...] = tuple(transports)
        self.expected_chain_id = expected_chain_id
        self.cooldown = float(cooldown)
        self.deadline = check_seconds(deadline, "deadline")
        self._owns = owns_transports
        self._down_until = [0.0] * len(self.transports)
        self._verified = [expected_chain_id is None] * len(self.transports)
        self._locks = [asyncio.Lock() for _ in self.transports]

    def __repr__(self) -> str:
        return f"FallbackTransport([{', '.join(_label(t) for t in self.transports)}])"

    @property
    def display_url(self) -> str:
        return _label(self.transports[self._order()[0]])

    async def __aenter__(self) -> FallbackTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if not self._owns:
            return
        errors: list[BaseException] = []
        for t in self.transports:
            try:
                await t.aclose()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def _order(self) -> list[int]:
        now = time.monotonic()
        up = [i for i, until in enumerate(self._down_until) if until <= now]
        down = [i for i, until in enumerate(self._down_until) if until > now]
        return up + down

    async def _verify(self, i: int) -> None:
        if self._verified[i]:
            return
        async with self._locks[i]:
            if self._verified[i]:
                return
            t = self.transports[i]
            actual = decode_quantity(await t.request("eth_chainId", ()), "eth_chainId")
            if actual != self.expected_chain_id:
                assert self.expected_chain_id is not None
                raise ChainIdMismatchError(_label(t), self.expected_chain_id, actual)
            self._verified[i] = True

    async def _run(
        self, op: Callable[[Transport], Awaitable[T]], *, may_resend: bool, what: str
    ) -> T:
        with deadline_scope(self.deadline):
            return await self._run_in_scope(op, may_resend=may_resend, what=what)

    async def _run_in_scope(
        self, op: Callable[[Transport], Awaitable[T]], *, may_resend: bool, what: str
    ) -> T:
        start = time.monotonic()
        failures: list[str] = []
        last: RpcError | None = None
        order = self._order()
        for k, i in enumerate(order):
            t = self.transports[i]
            left = remaining()
            if left <= 0 and last is not None:
                break
            share = left / (len(order) - k) if math.isfinite(left) else None
            try:
                with deadline_scope(share):
                    await self._verify(i)
                    result = await op(t)
            except (RpcUnreachableError, RpcTimeoutError) as exc:
                self._down_until[i] = time.monotonic() + self.cooldown
                failures.append(f"{_label(t)}: {exc.message}")
                last = exc
                if not (may_resend or request_never_sent(exc)):
                    raise self._sent_failure(exc, what) from exc.__cause__
                continue
            if self._down_until[i]:
                self._down_until[i] = 0.0
            return result
        assert last is not None
        if len(self.transports) == 1:
            raise self._sent_failure(last, what)
        spent = time.monotonic() - start
        untried = len(order) - len(failures)
        why = f"; call deadline reached, {untried} not tried" if untried else ""
        raise RpcUnreachableError(
            f"no RPC URL answered {what} in {spent:.1f}s ({len(failures)} tried{why})",
            details="; ".join(failures),
        ) from last

    @staticmethod
    def _sent_failure(exc: RpcError, what: str) -> RpcError:
        """A raw transaction no member answered is `RpcUnreachableError`, even after a timeout:
        the send path looks the hash up on exactly that class."""
        if what == "eth_sendRawTransaction" and not isinstance(exc, RpcUnreachableError):
            err = RpcUnreachableError(exc.message, details=exc.details)
            err.__cause__ = exc
            return err
        return exc

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        return await self._run(
            lambda t: t.request(method, params), may_resend=is_idempotent(method), what=method
        )

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        if not calls:
            return []
        return await self._run(
            lambda t: t.batch(calls), may_resend=all_idempotent(calls), what="a batch"
        )


def make_transport(
    urls: str | Sequence[str],
    *,
    expected_chain_id: int | None = None,
    cooldown: float = 30.0,
    deadline: float | None = DEFAULT_DEADLINE,
    **http_opts: Any,
) -> HttpTransport | FallbackTransport:
    """One `HttpTransport` for one URL, a `FallbackTransport` over several.

    `deadline` bounds each call in all (across attempts and URLs). `http_opts` go to every
    `HttpTransport` (timeout per attempt, retry, max_batch_size, max_body_bytes,
    max_concurrency, headers). A malformed URL raises `InputError` here, before any request.
    """
    if isinstance(urls, str):
        urls = [urls]
    if not urls:
        raise InputError("no RPC URL given")
    if len(urls) == 1:
        return HttpTransport(
            urls[0], expected_chain_id=expected_chain_id, deadline=deadline, **http_opts
        )
    members: list[Transport] = [HttpTransport(u, deadline=deadline, **http_opts) for u in urls]
    return FallbackTransport(
        members, expected_chain_id=expected_chain_id, cooldown=cooldown, deadline=deadline
    )
