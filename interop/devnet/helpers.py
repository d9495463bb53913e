"""Helper contracts every devnet chain gets (Multicall3 at its canonical address)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interop.devnet.core import Devnet


async def install_multicall3(devnet: Devnet, chain_id: int) -> None:
    """Place Multicall3-compatible runtime code at the canonical address (TODO: helper C1)."""
    return None
