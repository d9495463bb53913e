"""Helper contracts every devnet chain gets (Multicall3 at its canonical address).

anvil starts with empty state, but real chains almost all have Multicall3 at
0xcA11bde05977b3631167028862bE2a173976CA11 and clients (ours, viem, ethers) use it when the chain
data says so. We place our own ABI-compatible build there with `anvil_setCode`, which needs no
deployer key, no nonce and no transaction, so it cannot collide with test accounts.
"""

from __future__ import annotations

from typing import Protocol

from interop.chains.model import MULTICALL3
from interop.devnet.contracts import runtime_code
from interop.errors import DevnetError
from interop.rpc.base import Transport
from interop.types import hex_to_bytes


class _HasTransports(Protocol):
    """What `install_multicall3` needs of a devnet (the running `Devnet` is one)."""

    def transport(self, chain_id: int) -> Transport: ...


__all__ = ["MULTICALL3", "install_multicall3"]


async def install_multicall3(devnet: _HasTransports, chain_id: int) -> None:
    """Put our Multicall3 runtime code at the canonical address on one devnet chain.

    Idempotent: installing twice leaves the same code. Raises `DevnetError` if the node does not
    report the code afterwards (e.g. it is not an anvil and ignored `anvil_setCode`).
    """
    code = runtime_code("Multicall3")
    transport = devnet.transport(chain_id)
    await transport.request("anvil_setCode", [MULTICALL3, "0x" + code.hex()])
    got = hex_to_bytes(await transport.request("eth_getCode", [MULTICALL3, "latest"]))
    if got != code:
        raise DevnetError(
            f"Multicall3 was not installed on devnet chain {chain_id}",
            details=f"eth_getCode returned {len(got)} bytes, expected {len(code)}",
        )
