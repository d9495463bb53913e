"""A bot runs many flows at once from one account: every transaction of every flow must get its
own nonce (the account's nonce manager travels with the signer into every adapter)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from interop.devnet.core import Devnet
from interop.units import ether
from tests.integration.test_routes_e2e import ARB, L1, OP, OP2, fresh, make_io


async def test_concurrent_bridges_and_transfers_from_one_account(
    devnet: Devnet, tmp_path: Path
) -> None:
    io = await make_io(devnet, "concurrent-bot", tmp_path, eth=ether("20"))
    async with io:
        jobs = []
        expected: list[tuple[int, str, int]] = []
        for i, target in enumerate([OP, OP2, ARB, OP, ARB, OP2]):
            to, value = fresh(), ether("0.01") + i
            expected.append((target, to, value))
            jobs.append(io.bridge(value, L1, target, to))
        for i in range(4):  # plain transfers on L1 share the same nonces
            to, value = fresh(), 1000 + i
            expected.append((L1, to, value))
            jobs.append(io.transfer(L1, to=to, value=value))
        results = await asyncio.gather(*jobs)
        flows = [r for r in results if hasattr(r, "complete")]
        await asyncio.gather(*(f.complete() for f in flows))  # type: ignore[attr-defined]
        for chain, to, value in expected:
            assert await io.client(chain).get_balance(to) == value, (chain, to)
        l1_hashes = {r.tx_hash for r in results}
        assert len(l1_hashes) == len(results)
