"""A nonce taken by an L1->L2 deposit is proven taken (issue 8: after "nonce too low", find out
what used the nonce; never guess).

On an OP Stack chain an L1 deposit from an EOA is an L2 transaction of that EOA: it consumes the
sender's next L2 nonce. A transaction we signed with that nonce can then never execute. anvil
serves the deposit (type 0x7e) with nonce 0, whatever nonce it consumed, so the lookup by nonce
found "no transaction with nonce n" and the fate stayed UNKNOWN: `TransactionUnknownError` after 30 s for a
transaction that provably never ran (seen when L2 sends and L1 deposits from one key overlapped).
"""

from __future__ import annotations

from pathlib import Path

from eth_account import Account

from interop.actions.fate import FateKind, tx_fate
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.types import to_address
from interop.units import ether
from tests.integration.test_routes_e2e import L1, OP, fresh, key, make_io


async def test_a_nonce_taken_by_an_l1_deposit_is_proven_replaced(
    devnet: Devnet, tmp_path: Path
) -> None:
    name = "fate-deposit-nonce"
    io = await make_io(devnet, name, tmp_path)
    async with io, ChainClient(devnet.chain(OP)) as op:
        me = to_address(Account.from_key(key(name)).address)
        await io.transfer(OP, to=fresh(), value=1)  # a nonce above 0 (anvil serves deposits
        await io.transfer(OP, to=fresh(), value=1)  # with nonce 0, whatever they consumed)
        nonce = await op.get_nonce(me, "latest")
        assert nonce == 2
        fees = await op.request("eth_gasPrice", [])
        ours = Account.sign_transaction(
            {
                "chainId": OP,
                "nonce": nonce,
                "to": fresh(),
                "value": 1,
                "gas": 21_000,
                "maxFeePerGas": int(fees, 16) * 2 + 1,
                "maxPriorityFeePerGas": 1,
            },
            key(name),
        )  # signed, never sent: the deposit below takes its nonce
        flow = await io.bridge(ether("0.001"), L1, OP, fresh())
        await flow.complete()
        assert await op.get_nonce(me, "latest") == nonce + 1
        fate = await tx_fate(op, me, nonce, "0x" + ours.hash.hex(), patience=10)
        assert fate.kind is FateKind.REPLACED, fate
        assert fate.replaced_by is not None
        taken = await op.get_transaction(fate.replaced_by)
        assert taken is not None and int(taken["type"], 16) == 0x7E
        assert taken["from"].lower() == me.lower()
