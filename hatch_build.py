"""Build hook: compiles the optional C keccak (interop/_speedups.c) into interop/ when a C
compiler and Python's headers are there.

Why optional: it only makes bulk EIP-55 checksumming cheaper (one call for thousands of
addresses instead of one each); interop.types checks it against the public keccak at import and
otherwise uses the portable path, so a machine without a compiler installs and runs the same
code, a little slower on a cold balance read. `INTEROP_NO_NATIVE=1` skips it.

Why a plain compiler call rather than setuptools: one file with no dependencies, and the build
backend stays hatchling alone. The module lands next to the sources, which serves editable
installs (`make setup`); for a wheel it is added as an artifact (it is git-ignored).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class NativeKeccakHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("INTEROP_NO_NATIVE"):
            return
        root = Path(self.root)
        src = root / "interop" / "_speedups.c"
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        out = root / "interop" / f"_speedups{suffix}"
        cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
        include = sysconfig.get_paths()["include"]
        cmd = [*cc, "-O2", "-shared", "-fPIC", f"-I{include}", str(src), "-o", str(out)]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            self.app.display_warning(
                f"interop: the optional C keccak was not built ({exc}; "
                f"{detail.decode(errors='replace')[:500]}); the portable path is used"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["artifacts"].append(out.relative_to(root).as_posix())
