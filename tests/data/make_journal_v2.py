"""Write a journal with the PREVIOUS release's code (journal schema 2), for the upgrade tests.

Why this script exists: "a 7-day withdrawal in flight still resumes after the user upgrades the
package" can only be tested honestly with a file the old code wrote, not with one this release
imitates. So this script is run with the previous release's `interop` first on `sys.path`:

    git worktree add /tmp/prev 12c7bbe        # or: git archive 12c7bbe interop | tar -x -C /tmp/prev
    PYTHONPATH=/tmp/prev .venv/bin/python tests/data/make_journal_v2.py fixture OUT.sqlite3

Two modes:

- `fixture OUT`: start the old release's own devnet and leave in OUT (tests/data/journal_v2.sqlite3)
  one flow in each state a user can be in when upgrading: a deposit done, an OP Stack withdrawal
  initiated and not proven, an Arbitrum withdrawal initiated, an OP -> Arbitrum two-hop flow
  whose first hop is finalized and whose second is not started, a plain transfer, and an
  abandoned flow (its signer declined: nothing was signed). Its chain hashes exist on no chain
  after the devnet stops, so it is read, migrated and decoded by the unit tests, not resumed.
- `attach CHAINS_FILE JOURNAL OP_VALUE OP_TO ARB_VALUE ARB_TO` (private key on stdin): initiate
  an OP Stack and an Arbitrum withdrawal on a running devnet, print their flow ids as JSON and
  exit without completing them. The integration test then resumes them with this release.

Only the old release's public API is used (`Interop`, `bridge`, `transfer`, `complete`), and
adapters are registered explicitly from the old modules, so the entry points installed for the
current release cannot pull its code in.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import interop
from interop.adapters import arbitrum, opstack, superchain
from interop.errors import InteropError
from interop.facade import Interop
from interop.routes import AdapterRegistry
from interop.units import ether

L1, OP, ARB = 900, 901, 903


def registry() -> AdapterRegistry:
    return AdapterRegistry(
        {
            "arbitrum": arbitrum.adapter_factory,
            "opstack": opstack.adapter_factory,
            "superchain": superchain.adapter_factory,
        }
    )


class DeclinedError(Exception):
    """What a hardware wallet says when its owner presses "reject"."""


class DecliningSigner:
    """A signer whose owner declines every signature: the flow is journaled, nothing signed."""

    def __init__(self, address: str) -> None:
        self.address = address

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        raise DeclinedError("the user rejected the signature request")


class StopHere(Exception):
    """Raised from a progress callback: the process stops mid-flow, as a crash would."""


async def fixture(out: Path) -> dict[str, str]:
    from interop.devnet.core import Devnet

    work = out.with_suffix(".tmp")
    for p in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        p.unlink(missing_ok=True)
    flows: dict[str, str] = {}
    async with Devnet.default() as dn:
        (alice, _), (bob, _), (carol, _) = dn.accounts[1:4]
        io = Interop.from_devnet(dn, journal=str(work), sleep=dn.advance, adapters=registry())
        async with io:
            deposit = await io.bridge(ether("1"), L1, OP, alice)
            await deposit.complete()
            flows["deposit_done"] = str(deposit.id)
            arb_deposit = await io.bridge(ether("1"), L1, ARB, alice)
            await arb_deposit.complete()
            flows["arb_deposit_done"] = str(arb_deposit.id)

            op_wd = await io.bridge(ether("0.1") + 1, OP, L1, bob)
            flows["op_withdrawal_initiated"] = str(op_wd.id)
            arb_wd = await io.bridge(ether("0.2") + 2, ARB, L1, bob)
            flows["arb_withdrawal_initiated"] = str(arb_wd.id)

            two_hop = await io.bridge(ether("0.3") + 3, OP, ARB, carol)
            flows["two_hop_midway"] = str(two_hop.id)

            def stop_after_finalize(event: Any) -> None:
                if event.what == "mined" and event.step == "finalize":
                    raise StopHere

            try:
                await two_hop.complete(progress=stop_after_finalize)
            except StopHere:
                pass
            else:  # pragma: no cover - the old release did not emit the event
                raise SystemExit("the two-hop flow completed: no mid-way state recorded")

            sent = await io.transfer(OP, to=carol, value=ether("0.01") + 4)
            [transfer] = io.journal.flows(status="finalized")[-1:]
            assert transfer.kind == "native", transfer
            flows["transfer_done"] = transfer.id
            assert sent.tx_hash and io.signer is not None
            declining = Interop(
                list(dn.chains.values()),
                journal=io.journal,
                account=DecliningSigner(io.signer.address),
                adapters=registry(),
            )
            async with declining:
                try:
                    await declining.bridge(ether("0.4") + 5, OP, L1, bob)
                except InteropError as exc:  # the old release wraps the signer's refusal
                    assert "rejected" in str(exc) and not exc.may_have_executed, exc
                else:  # pragma: no cover
                    raise SystemExit("the declining signer signed")
            [abandoned] = io.journal.flows(status="abandoned")
            flows["abandoned"] = abandoned.id
            io.journal.close()  # checkpoints the WAL into the file
    shutil.move(work, out)
    return flows


async def attach(argv: list[str]) -> dict[str, str]:
    from interop.chains.loader import load_chains
    from interop.chains.registry import default_registry

    chains_file, journal, op_value, op_to, arb_value, arb_to = argv
    key = sys.stdin.readline().strip()
    chains = load_chains(chains_file, base=default_registry().copy())
    async with Interop(chains, account=key, journal=journal, adapters=registry()) as io:
        op_wd = await io.bridge(int(op_value), OP, L1, op_to)
        arb_wd = await io.bridge(int(arb_value), ARB, L1, arb_to)
        return {"op": str(op_wd.id), "arb": str(arb_wd.id)}


def main() -> None:
    mode, *rest = sys.argv[1:]
    if mode == "fixture":
        flows = asyncio.run(fixture(Path(rest[0])))
    elif mode == "attach":
        flows = asyncio.run(attach(rest))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps({"interop": interop.__version__, "flows": flows}))


if __name__ == "__main__":
    main()
