"""Ape on a throw-away anvil, for scripts that measure on a fresh chain (the gas benchmarks).

Ape's own ``host: auto`` asks the kernel for a free port, releases it and starts anvil on it. When
other anvils start at the same moment (``make test`` runs its shards side by side, each starting
nodes on port 0) one of them can take that port in between, and Ape then waits 20 s for a node that
never answers. ``Anvil`` binds port 0 in anvil itself, so the port it reports is the one it holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ape import Project, networks
from ape.api import ProviderAPI
from ape.logging import LogLevel, logger

from keepers.diamond.compile import compile_project
from keepers.toolchain.anvil import Anvil

# What ape-config.yaml gives the anvils Ape starts: a non-zero base fee keeps gas accounting honest.
BASE_FEE_WEI = 1_000_000_000


@contextmanager
def local_chain(root: Path, anvil_args: tuple[str, ...] = ()) -> Iterator[tuple[Project, ProviderAPI]]:
    """The project at ``root``, compiled, and Ape's provider connected to a fresh anvil (started with
    ``anvil_args`` besides the base fee, e.g. ``--steps-tracing`` for opcode traces) that stops on
    exit. Ape logs only errors, so a script's stdout can carry its JSON result alone."""
    logger.set_level(LogLevel.ERROR)
    project = Project(root)
    compile_project(project)
    with Anvil(args=("--base-fee", str(BASE_FEE_WEI), *anvil_args)) as node:
        settings = {"host": node.url}
        with networks.ethereum.local.use_provider("foundry", provider_settings=settings) as provider:
            yield project, provider
