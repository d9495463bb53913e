"""What a devnet is made of: its chains (with their anvil flags), its components, its options.

Kept apart from `interop.devnet.core` so presets and third-party components can build a
configuration without importing the running devnet (and without an import cycle)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from interop.chains.model import Chain

__all__ = ["DevnetChainSpec", "DevnetComponent", "DevnetConfig"]


@runtime_checkable
class DevnetComponent(Protocol):
    name: str

    async def start(self, devnet: Any) -> None:
        """Start on the running `interop.devnet.core.Devnet` (its nodes are up)."""
        ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class DevnetChainSpec:
    """One devnet chain: its `Chain` data (no RPC yet) and the anvil flags it needs."""

    chain: Chain
    anvil_args: tuple[str, ...] = ()


@dataclass
class DevnetConfig:
    chains: Sequence[DevnetChainSpec] = ()
    components: Sequence[DevnetComponent] = ()
    log_dir: Path | None = None
    install_multicall3: bool = True
    tick_seconds: float | None = None
    """Mine an empty L1 block this often, so chain time moves like a real chain's when no
    transactions are sent (anvil only mines on demand). For real-time use (`interop devnet`);
    tests and fast-forwarded demos leave it off and move time explicitly."""
    relayer_max_failures: int = 20
    """Failed steps in a row after which a background relayer is declared crashed (see
    `relayloop.run_relayer`); the devnet then re-raises its error."""
    extra: dict[str, object] = field(default_factory=dict)
