"""Install-on-demand of the devnet's npm packages into a cache folder (never into the repo).

The packages are read at run time: the anvil binary, the OP Stack forge artifacts, the Arbitrum
Nitro build artifacts and solc-js; viem and @arbitrum/sdk (with ethers 5) are the peer clients the
test suite runs against the devnet. `python -m interop.devnet.install` installs them all; the
Makefile calls it, and every devnet entry point calls `ensure_packages()` too, so a user who only
pip-installed interop gets a clear error if npm is missing rather than a stack trace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from interop.errors import DevnetError

__all__ = ["NPM_PACKAGES", "anvil_path", "cache_dir", "ensure_packages", "node_modules"]

NPM_PACKAGES: dict[str, str] = {
    "@foundry-rs/anvil-linux-amd64": "1.7.1",
    "@eth-optimism/contracts-bedrock": "0.17.3",
    "@arbitrum/nitro-contracts": "3.2.0",
    "solc": "0.8.24",
    "@scroll-tech/contracts": "4.0.0",  # Scroll's Solidity sources (devnet compiles them)
    # peer clients: the test suite runs them against the devnet as the oracle that the devnet and
    # the SDK behave like the real chains (tests/peers/); ethers 5 is @arbitrum/sdk's own
    # dependency, pinned here so every peer script resolves the same copy from the cache
    "viem": "2.57.20",
    "@arbitrum/sdk": "4.1.0",
    "ethers": "5.8.0",
}


def cache_dir() -> Path:
    """`$INTEROP_CACHE_DIR`, else `~/.cache/interop`."""
    env = os.environ.get("INTEROP_CACHE_DIR")
    base = Path(env) if env else Path.home() / ".cache" / "interop"
    return base


def node_modules() -> Path:
    return cache_dir() / "npm" / "node_modules"


def _installed(name: str, version: str) -> bool:
    pj = node_modules() / name / "package.json"
    try:
        return bool(json.loads(pj.read_text()).get("version") == version)
    except (OSError, ValueError):
        return False


def ensure_packages(names: list[str] | None = None, *, quiet: bool = True) -> Path:
    """Install the pinned npm packages that are missing; return the node_modules folder."""
    wanted = {n: NPM_PACKAGES[n] for n in (names or list(NPM_PACKAGES))}
    missing = [f"{n}@{v}" for n, v in wanted.items() if not _installed(n, v)]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            raise DevnetError(
                "npm is not installed, so the devnet packages cannot be installed",
                details=f"needed: {', '.join(missing)}",
                hint="install Node.js and npm (e.g. apt-get install nodejs npm), then retry",
            )
        prefix = cache_dir() / "npm"
        prefix.mkdir(parents=True, exist_ok=True)
        pkg = prefix / "package.json"
        if not pkg.exists():
            pkg.write_text('{"name": "interop-devnet-cache", "private": true}\n')
        # install everything pinned at once so npm never prunes a package installed earlier
        every = [f"{n}@{v}" for n, v in NPM_PACKAGES.items()]
        cmd = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix), *every]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise DevnetError(
                "npm install of the devnet packages failed",
                details=(proc.stderr or proc.stdout)[-2000:],
            )
        if not quiet:
            print(f"installed {', '.join(every)} into {prefix}", file=sys.stderr)
    return node_modules()


def anvil_path() -> Path:
    """Path of the anvil binary, installing it if needed."""
    override = os.environ.get("INTEROP_ANVIL")
    if override:
        return Path(override)
    nm = ensure_packages(["@foundry-rs/anvil-linux-amd64"])
    path = nm / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if not path.exists():
        raise DevnetError(f"anvil binary not found at {path}")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


if __name__ == "__main__":
    ensure_packages(quiet=False)
    print(node_modules())
