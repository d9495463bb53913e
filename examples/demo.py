"""`make demo`: start the local devnet and run the main job on it.

1. Native balances of the funded accounts on every devnet chain, in one call.
2. A same-chain native transfer on each chain, exact to the wei.
(Bridging sections are added as the stack adapters land.)

Everything started here is stopped on exit, also on Ctrl-C or an error.
"""

from __future__ import annotations

import asyncio
import time

from interop import Interop, ether, format_ether


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(x) for x in col) for col in zip(headers, *rows, strict=False)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(out)


async def main() -> None:
    t0 = time.perf_counter()
    async with Interop.devnet() as io:
        dn = io.devnet_handle
        assert dn is not None
        print(f"devnet up in {time.perf_counter() - t0:.1f}s: "
              + ", ".join(f"{c.name} ({c.id})" for c in io.chains))

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
        print(f"\n== same-chain transfers of 0.01 ETH from {io.signer.address if io.signer else '?'} to {bob}")
        rows = []
        for chain in io.chains:
            before = await io.client(chain.id).get_balance(bob)
            res = await io.transfer(chain.id, to=bob, value=ether("0.01"))
            after = await io.client(chain.id).get_balance(bob)
            assert after - before == ether("0.01"), "recipient must receive exactly the value"
            rows.append([chain.name, res.tx_hash[:18] + "...", format_ether(res.fee or 0),
                         format_ether(after - before)])
        print(table(rows, ["chain", "tx", "fee (ETH)", "received (ETH)"]))
    print(f"\ndevnet stopped; demo took {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    asyncio.run(main())
