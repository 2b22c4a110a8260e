"""`ape run deploy` logic: master + children wired, recorded, and a rerun is a no-op."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keepers.diamond.console import console_namespace
from keepers.diamond.deploy import DeployConfig, DeployError, DiamondDeployer
from keepers.diamond.layout import CHILD_FACETS, MASTER_FACETS, strategy_id
from keepers.diamond.records import Deployments
from keepers.diamond.upgrade import read_loupe
from keepers.toolchain.anvil import Anvil

APE = str(Path(sys.executable).with_name("ape"))
CONFIG = DeployConfig(strategies={"arb": [], "rewards": []})


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "deployments.json"


def deploy(project, account, path) -> DiamondDeployer:
    deployer = DiamondDeployer.open(project, account, path, "ethereum:local")
    deployer.system(CONFIG)
    deployer.save(path)
    return deployer


def test_deploys_master_and_children_wired_and_recorded(project, accounts, path):
    owner = accounts[0]
    deployer = deploy(project, owner, path)

    records = Deployments.read(path)
    assert records.chain_id == deployer.project.chain_manager.chain_id
    assert records.compiler.startswith("0.8.28+commit.7893614a")
    assert records.git_revision
    master = deployer.handle(records.master.address, *MASTER_FACETS)
    assert master.owner() == owner.address
    assert master.reserveRatio() == 500
    for strategy in ("arb", "rewards"):
        child = records.children[strategy]
        assert master.childOf(strategy_id(strategy)) == child.address
        handle = deployer.handle(child.address, *CHILD_FACETS)
        assert handle.master() == records.master.address
        assert handle.owner() == owner.address
        assert child.facets == list(CHILD_FACETS)
    # Each facet's recorded selectors are exactly what the diamonds route to it.
    for diamond in (records.master, *records.children.values()):
        loupe = read_loupe(deployer, diamond.address)
        expected = {s: records.contracts[f].address for f in diamond.facets for s in records.contracts[f].selectors}
        assert loupe == expected
    for record in records.contracts.values():
        assert record.tx_hash.startswith("0x") and record.block > 0


def test_rerun_sends_no_transaction(project, accounts, path):
    owner = accounts[0]
    deploy(project, owner, path)
    first = path.read_text()
    nonce = owner.nonce

    again = deploy(project, owner, path)

    assert again.transactions == 0 and owner.nonce == nonce
    assert Deployments.read(path).model_dump(exclude={"git_revision"}) == Deployments.model_validate_json(
        first
    ).model_dump(exclude={"git_revision"})


def test_a_new_strategy_adds_only_its_child(project, accounts, path):
    owner = accounts[0]
    deploy(project, owner, path)
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    deployer.system(DeployConfig(strategies={"arb": [], "rewards": [], "gasless": []}))
    assert deployer.transactions == 2  # the child diamond and its registration; facets reused


def test_guardian_must_not_be_the_owner(project, accounts, path):
    deployer = DiamondDeployer.open(project, accounts[0], path, "ethereum:local")
    with pytest.raises(DeployError, match="guardian must not be the owner"):
        deployer.system(DeployConfig(guardian=accounts[0].address))


def test_a_file_for_another_chain_is_refused(project, accounts, path):
    deploy(project, accounts[0], path)
    records = Deployments.read(path)
    records.chain_id = 5
    records.write(path)
    with pytest.raises(DeployError, match="records chain 5"):
        DiamondDeployer.open(project, accounts[0], path, "ethereum:local")


def test_console_extras_name_master_children_and_facets(project, accounts, path):
    deploy(project, accounts[0], path)
    namespace = console_namespace(project, "ethereum", "local", path)
    assert namespace["master"].address == namespace["deployments"].master.address
    assert namespace["master"].reserveRatio() == 500
    assert namespace["children"].arb.master() == namespace["master"].address
    assert namespace["facets"].RiskFacet.address == namespace["deployments"].contracts["RiskFacet"].address


def test_console_extras_without_deployments_say_what_to_do(project, tmp_path, capsys):
    assert console_namespace(project, "ethereum", "local", tmp_path / "none.json") == {"deployments": None}
    assert "ape run deploy" in capsys.readouterr().out


def test_ape_run_deploy_then_upgrade_dry_run(tmp_path, toolchain):
    out = tmp_path / "deployments.json"
    with Anvil(log_path=tmp_path / "anvil.log") as node:
        first = subprocess.run(
            [APE, "run", "deploy", "--network", node.url, "--out", str(out)],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert first.returncode == 0, first.stdout + first.stderr
        second = subprocess.run(
            [APE, "run", "deploy", "--network", node.url, "--out", str(out)],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "0 transaction(s) sent" in second.stdout, second.stdout + second.stderr
        upgrade = subprocess.run(
            [APE, "run", "upgrade", "--network", node.url, "--out", str(out)],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
        assert "nothing to do" in upgrade.stdout
        console = subprocess.run(
            [APE, "console", "--network", node.url],
            input='print("MASTER", master.address, master.reserveRatio(), children.arb.master())\nexit()\n',
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "LAPIDARY_DEPLOYMENTS_FILE": str(out)},
        )
        master = Deployments.read(out).master.address
        assert f"MASTER {master} 500 {master}" in console.stdout, console.stdout + console.stderr
        bad = subprocess.run(
            [APE, "run", "upgrade", "--network", node.url, "--out", str(out), "--diamond", "x"],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert bad.returncode != 0 and "unknown diamond 'x'" in bad.stdout + bad.stderr
        assert "Traceback" not in bad.stdout + bad.stderr


def test_a_real_network_needs_an_explicit_account(tmp_path, toolchain):
    # A node reporting Sepolia's chain id stands in for a real network: no test account is assumed.
    with Anvil(chain_id=11155111, log_path=tmp_path / "anvil.log") as node:
        result = subprocess.run(
            [APE, "run", "deploy", "--network", node.url, "--out", str(tmp_path / "d.json")],
            cwd=toolchain.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode != 0
    assert "pass --account ALIAS" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "d.json").exists()
