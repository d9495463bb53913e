"""The real Linea message-service bytecode, from the npm package `@consensys/linea-sdk@0.3.0`.

The SDK ships typechain factories with deployable bytecode: `LineaRollup` (the L1 message
service and rollup, as in Consensys/linea-contracts @ 76afb8d: calldata `submitData`,
`finalizeCompressedBlocksWithProof` / `WithoutProof`, rolling hashes, Merkle-proof claims),
`L2MessageService` (with `anchorL1L2MessageHashes`), and OpenZeppelin's `ProxyAdmin` and
`TransparentUpgradeableProxy`. No newer deployable bytecode is in any registry package (the
contracts repository publishes no npm package; later SDKs ship ABIs only).

Only the package's own tarball is fetched (`npm pack`, into the cache folder), never installed:
its runtime dependencies include `better-sqlite3`, whose install script downloads a prebuilt
binary or compiles one, which fails or hangs without internet and would take the devnet's other
packages down with it (they are installed in one `npm install`). We read the bytecode from the
factories' JavaScript source; nothing of the SDK runs.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from interop.devnet.install import cache_dir
from interop.errors import DevnetError

__all__ = ["SDK_PACKAGE", "SDK_VERSION", "bytecode", "sdk_dir"]

SDK_PACKAGE = "@consensys/linea-sdk"
SDK_VERSION = "0.3.0"
_FACTORIES = "dist/typechain/factories"
_BYTECODE_RE = re.compile(r'const _bytecode\s*=\s*"0x([0-9a-fA-F]+)"')


def sdk_dir() -> Path:
    """The unpacked package (`.../package`), fetching its tarball with `npm pack` once."""
    root = cache_dir() / "npm-pack" / f"linea-sdk-{SDK_VERSION}"
    pkg = root / "package"
    if (pkg / _FACTORIES / "LineaRollup__factory.js").exists():
        return pkg
    npm = shutil.which("npm")
    if npm is None:
        raise DevnetError(
            f"npm is not installed, so {SDK_PACKAGE}@{SDK_VERSION} cannot be fetched",
            hint="install Node.js and npm (e.g. apt-get install nodejs npm), then retry",
        )
    root.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            npm,
            "pack",
            "--silent",
            "--prefer-offline",  # npm's own cache answers when it has the tarball
            f"{SDK_PACKAGE}@{SDK_VERSION}",
            "--pack-destination",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    tgz = root / f"consensys-linea-sdk-{SDK_VERSION}.tgz"
    if proc.returncode != 0 or not tgz.exists():
        raise DevnetError(
            f"npm pack {SDK_PACKAGE}@{SDK_VERSION} failed", details=(proc.stderr or "")[-1500:]
        )
    with tarfile.open(tgz) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/dist/typechain/")]
        tar.extractall(root, members=members, filter="data")
    tgz.unlink()
    return pkg


@functools.cache
def bytecode(name: str) -> bytes:
    """Creation bytecode of the SDK's typechain factory `name` (e.g. 'LineaRollup')."""
    path = sdk_dir() / _FACTORIES / f"{name}__factory.js"
    try:
        m = _BYTECODE_RE.search(path.read_text())
    except OSError as exc:
        raise DevnetError(f"{SDK_PACKAGE} has no factory {name}: {exc}") from None
    if m is None:
        raise DevnetError(f"{path} holds no bytecode")
    return bytes.fromhex(m.group(1))


if __name__ == "__main__":
    print(sdk_dir())
