"""The offline toolchain: solcjs registered as a py-solc-x compiler, anvil from npm.

These machines reach package registries only, so nothing here downloads: the
Solidity compiler is the npm ``solc`` package driven through ``solc_cli.js``, and
the node is the anvil binary shipped in ``@foundry-rs/anvil-<platform>``.
``install`` writes the compiler entry point into the project's ``.solcx`` folder
and a ``.pth`` file into the virtualenv so that every Python process of the
project (``ape``, ``keepers``, ``pytest``) finds both without any shell setup.
"""

from __future__ import annotations

import os
import platform
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from keepers.files import write_atomic

SOLC_VERSION = "0.8.28"
PTH_NAME = "lapidary_toolchain.pth"


@dataclass(frozen=True)
class Toolchain:
    """Where the offline tools of one checkout live."""

    root: Path

    @property
    def solcx_dir(self) -> Path:
        """Folder py-solc-x treats as its install folder (``SOLCX_BINARY_PATH``)."""
        return self.root / ".solcx"

    @property
    def solc(self) -> Path:
        """The ``solc-v<version>`` entry point py-solc-x discovers by name."""
        return self.solcx_dir / f"solc-v{SOLC_VERSION}"

    @property
    def solc_cli(self) -> Path:
        return Path(__file__).with_name("solc_cli.js")

    @property
    def anvil_dir(self) -> Path:
        return self.root / "node_modules" / "@foundry-rs" / f"anvil-{_npm_platform()}" / "bin"

    @property
    def anvil(self) -> Path:
        return self.anvil_dir / "anvil"

    def environment(self) -> dict[str, str]:
        """Variables a process needs to find the compiler and the node."""
        path = os.environ.get("PATH", "")
        if str(self.anvil_dir) not in path.split(os.pathsep):
            path = os.pathsep.join(filter(None, [str(self.anvil_dir), path]))
        return {"SOLCX_BINARY_PATH": str(self.solcx_dir), "PATH": path}

    def missing(self) -> list[str]:
        """What ``make install`` has not put in place yet, as readable lines."""
        problems = []
        if not (self.root / "node_modules" / "solc" / "soljson.js").is_file():
            problems.append("npm package solc is not installed (run `make install`)")
        if not self.anvil.is_file():
            problems.append(f"anvil binary not found at {self.anvil} (run `make install`)")
        if not self.solc.is_file():
            problems.append(f"compiler entry point {self.solc} is missing (run `make install`)")
        return problems


def project_root() -> Path:
    """The checkout this package was installed from (editable install)."""
    return Path(__file__).resolve().parents[2]


def default_toolchain() -> Toolchain:
    return Toolchain(project_root())


def activate(toolchain: Toolchain | None = None) -> Toolchain:
    """Point the current process at the offline tools (idempotent)."""
    toolchain = toolchain or default_toolchain()
    os.environ.setdefault("SOLCX_BINARY_PATH", str(toolchain.solcx_dir))
    os.environ["PATH"] = toolchain.environment()["PATH"]
    return toolchain


def install(toolchain: Toolchain | None = None, site_packages: Path | None = None) -> list[Path]:
    """Write the compiler entry point and the virtualenv hook; returns what changed."""
    toolchain = toolchain or default_toolchain()
    changed: list[Path] = []
    script = f'#!/bin/sh\nexec node "{toolchain.solc_cli}" "$@"\n'
    changed += _write_if_different(toolchain.solc, script, executable=True)

    # A .pth line runs at interpreter start-up: the one supported way to give every
    # process of this virtualenv the same environment without wrapping each command.
    env = toolchain.environment()
    hook = (
        "import os; "
        f"os.environ.setdefault('SOLCX_BINARY_PATH', {env['SOLCX_BINARY_PATH']!r}); "
        f"os.environ['PATH'] = os.pathsep.join([{str(toolchain.anvil_dir)!r}] + "
        f"[p for p in os.environ.get('PATH', '').split(os.pathsep) if p and p != {str(toolchain.anvil_dir)!r}])\n"
    )
    site = site_packages or Path(sysconfig.get_paths()["purelib"])
    changed += _write_if_different(site / PTH_NAME, hook)
    return changed


def _write_if_different(path: Path, text: str, executable: bool = False) -> list[Path]:
    if path.is_file() and path.read_text() == text:
        return []
    write_atomic(path, text, mode=0o755 if executable else None)
    return [path]


def _npm_platform() -> str:
    """The suffix npm uses for @foundry-rs/anvil's per-platform package."""
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), "linux")
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{system}-{arch}"
