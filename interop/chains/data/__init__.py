"""Built-in chain definitions, one module per network family; each names its source.

`BUILTIN_CHAINS` is every public network; `DEVNET_CHAINS` the local devnet's (ids 900-903).
"""

from __future__ import annotations

from interop.chains.data import arbitrum, devnet, ethereum, linea, opstack, scroll, zksync
from interop.chains.model import Chain

__all__ = ["BUILTIN_CHAINS", "DEVNET_CHAINS"]

BUILTIN_CHAINS: tuple[Chain, ...] = (
    *ethereum.CHAINS,
    *opstack.CHAINS,
    *arbitrum.CHAINS,
    *zksync.CHAINS,
    *scroll.CHAINS,
    *linea.CHAINS,
)

DEVNET_CHAINS: tuple[Chain, ...] = devnet.CHAINS
