"""Names `ape console` gets from the deployments file: `master`, `children`, `facets`, `deployments`."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from ape.managers.project import ProjectManager

from keepers.diamond.deploy import diamond_handle
from keepers.diamond.records import Deployments, deployments_path


def console_namespace(project: ProjectManager, ecosystem: str, network: str, path: Path | None = None) -> dict:
    """Handles on everything recorded for the network; empty (with a hint) when nothing is deployed."""
    path = path or deployments_path(project.path, ecosystem, network)
    records = Deployments.read(path)
    if records is None or records.master is None:
        print(f"lapidary: nothing deployed on {ecosystem}:{network} ({path} missing); run `ape run deploy`")
        return {"deployments": None}
    master = diamond_handle(project, records.master.address, records.master.facets)
    children = SimpleNamespace(
        **{name: diamond_handle(project, child.address, child.facets) for name, child in records.children.items()}
    )
    facets = SimpleNamespace(
        **{name: getattr(project, name).at(record.address) for name, record in records.contracts.items()}
    )
    return {"deployments": records, "master": master, "children": children, "facets": facets}
