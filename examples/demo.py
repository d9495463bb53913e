"""`make demo`: start the local devnet and run the main job on it.

1. Native balances of the funded accounts on every devnet chain, in one call.
2. A same-chain native transfer on each chain, exact to the wei.
3. OP Stack: an ETH deposit L1 -> OP, and a withdrawal OP -> L1 through prove and finalize.
4. Arbitrum: an ETH deposit, a retryable message, and a withdrawal executed on L1.
5. Linea: an ETH deposit (claimed on L2 by the devnet's postman) and a withdrawal claimed on L1
   with a Merkle proof built locally from L2 events (no hosted API).
6. Scroll (its own contracts compiled from source): a deposit through the gateway router, and a
   withdrawal relayed on L1 with a withdraw-trie proof built locally from L2 events.
7. ZKsync (emulated on the real interfaces): a deposit, and a withdrawal finalized on L1 with the
   L2->L1 log proof, checked against the batch root before it is sent.
8. L2 -> L2: OP -> OP over Superchain interop, and OP -> Arbitrum as one two-hop flow.

The devnet's challenge periods are real contract periods (seconds here); the flows' waits move
the devnet clock forward instead of sleeping, so the whole demo takes seconds.

Everything started here is stopped on exit, also on Ctrl-C or an error.
"""

from __future__ import annotations

import asyncio
import time

from interop import Interop, ether, format_ether
from interop.devnet.core import Devnet
from interop.flows import FlowEvent


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(x) for x in col) for col in zip(headers, *rows, strict=False)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(out)


async def main() -> None:
    t0 = time.perf_counter()
    async with Devnet.start_interop() as io:
        dn = Devnet.of(io)
        print(
            f"devnet up in {time.perf_counter() - t0:.1f}s: "
            + ", ".join(f"{c.name} ({c.id})" for c in io.chains)
        )

        # 1. balances: every funded account x every chain, one call
        accounts = [addr for addr, _ in dn.accounts[:4]]
        t = time.perf_counter()
        balances = await io.balances(accounts)
        ms = (time.perf_counter() - t) * 1000
        names = [c.name for c in io.chains]
        rows = [
            [a] + [format_ether(balances.balance(c.id, a)) for c in io.chains] for a in accounts
        ]
        print(f"\n== native balances ({len(accounts)} accounts x {len(names)} chains, {ms:.1f} ms)")
        print(table(rows, ["account", *names]))

        # 2. a same-chain transfer on each chain
        bob = dn.accounts[1][0]
        print(
            f"\n== same-chain transfers of 0.01 ETH from {io.signer.address if io.signer else '?'} to {bob}"
        )
        rows = []
        for chain in io.chains:
            before = await io.client(chain.id).get_balance(bob)
            res = await io.transfer(chain.id, to=bob, value=ether("0.01"))
            after = await io.client(chain.id).get_balance(bob)
            assert after - before == ether("0.01"), "recipient must receive exactly the value"
            rows.append(
                [
                    chain.name,
                    res.tx_hash[:18] + "...",
                    format_ether(res.fee or 0),
                    format_ether(after - before),
                ]
            )
        print(table(rows, ["chain", "tx", "fee (ETH)", "received (ETH)"]))
        await bridging(io, bob)
    print(f"\ndevnet stopped; demo took {time.perf_counter() - t0:.1f}s")


def progress(event: FlowEvent) -> None:
    st = event.state
    if event.what in ("sent", "mined"):
        print(
            f"    hop {st.hop + 1}/{len(st.hops)} {event.what:<5} {event.step or ''} {event.tx_hash or ''}"
        )
    elif event.what == "status":
        print(f"    hop {st.hop + 1}/{len(st.hops)} {st.status.value} ({st.native})")


async def bridge_and_check(io: Interop, value: int, source: str, target: str, to: str) -> None:
    dst = io.client(target)
    before = await dst.get_balance(to)
    t = time.perf_counter()
    plan = await io.plan(value, source, target, to)
    print(f"\n== bridge {format_ether(value)} ETH {source} -> {target} ({len(plan.steps)} hop(s))")
    transfer = await io.bridge(value, source, target, to)
    print(f"    journal id {transfer.id}, first tx {transfer.tx_hash}")
    await transfer.complete(progress=progress)
    received = await dst.get_balance(to) - before
    assert received == value, f"{to} received {received}, expected {value}"
    state = await transfer.status()
    print(
        f"    {state.status.value}: {to} received exactly {format_ether(received)} ETH on {target}"
        f" ({time.perf_counter() - t:.2f}s wall)"
    )


async def bridging(io: Interop, bob: str) -> None:
    # 3. OP Stack: deposit, then a withdrawal through prove + finalize (fault-proof portal)
    await bridge_and_check(io, ether("0.5"), "devnet-l1", "devnet-op", bob)
    await bridge_and_check(io, ether("0.1"), "devnet-op", "devnet-l1", bob)

    # 4. Arbitrum: deposit, a retryable message, a withdrawal executed on the real Outbox
    await bridge_and_check(io, ether("0.5"), "devnet-l1", "devnet-arb", bob)
    print("\n== retryable message devnet-l1 -> devnet-arb (calldata + 0.01 ETH to an address)")
    msg = await io.send_message(
        "devnet-l1", "devnet-arb", bob, b"hello arbitrum", ether("0.01"), force=True
    )
    await msg.complete(progress=progress)
    print(f"    {(await msg.status()).status.value}")
    await bridge_and_check(io, ether("0.1"), "devnet-arb", "devnet-l1", bob)

    # 5. Linea: deposit (the postman claims it: the fee covers its rule), withdrawal with a claim
    #    proof built from the L2's MessageSent events and L1's finalization
    await bridge_and_check(io, ether("0.5"), "devnet-l1", "devnet-linea", bob)
    await bridge_and_check(io, ether("0.1"), "devnet-linea", "devnet-l1", bob)

    # 6. Scroll: deposit through the gateway router, withdrawal with a locally built trie proof
    await bridge_and_check(io, ether("0.5"), "devnet-l1", "devnet-scroll", bob)
    await bridge_and_check(io, ether("0.1"), "devnet-scroll", "devnet-l1", bob)

    # 7. ZKsync: deposit (priority op), withdrawal finalized with the L2->L1 log proof
    await bridge_and_check(io, ether("0.5"), "devnet-l1", "devnet-zksync", bob)
    await bridge_and_check(io, ether("0.1"), "devnet-zksync", "devnet-l1", bob)

    # 8. L2 -> L2: Superchain interop (one hop), then OP -> Arbitrum (withdraw, then deposit)
    await bridge_and_check(io, ether("0.05"), "devnet-op", "devnet-op2", bob)
    await bridge_and_check(io, ether("0.05"), "devnet-op", "devnet-arb", bob)


if __name__ == "__main__":
    asyncio.run(main())
