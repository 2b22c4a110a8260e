"""What `ape run deploy` / `ape run upgrade` / `ape console` share: config, paths, the sending account."""

from __future__ import annotations

from pathlib import Path

from ape.api import AccountAPI, NetworkAPI
from ape.managers.project import ProjectManager
from pydantic import ValidationError

from keepers.diamond.deploy import DeployConfig, DeployError, DiamondDeployer
from keepers.diamond.records import deployments_path

DEV_CHAIN_IDS = {31337, 1337}


def load_config(project: ProjectManager) -> DeployConfig:
    """`lapidary.deploy` from ape-config.yaml, validated."""
    section = project.config.get_config("lapidary").model_dump().get("deploy") or {}
    try:
        return DeployConfig.model_validate(section)
    except ValidationError as err:
        raise DeployError(f"ape-config.yaml lapidary.deploy is invalid:\n{err}") from err


def default_sender(network: NetworkAPI, account: AccountAPI | None, accounts) -> AccountAPI:
    """The given account, or on a development chain the first test account; never a guess on a real network."""
    if account is not None:
        return account
    if network.is_local or network.is_fork or network.chain_id in DEV_CHAIN_IDS:
        return accounts.test_accounts[0]
    raise DeployError(
        f"{network.choice} is a real network: pass --account ALIAS (an `ape accounts` alias); "
        "keys are never read from this repository"
    )


def open_deployer(
    project: ProjectManager, network: NetworkAPI, sender: AccountAPI, path: Path | None
) -> tuple[DiamondDeployer, Path]:
    path = path or deployments_path(project.path, network.ecosystem.name, network.name)
    return DiamondDeployer.open(project, sender, path, f"{network.ecosystem.name}:{network.name}"), path
