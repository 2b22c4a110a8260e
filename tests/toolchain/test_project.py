"""Every contract we write is compiled; Ape compiles with no network at all."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DECLARATION = re.compile(r"^\s*(?:abstract\s+)?(?:contract|interface|library)\s+(\w+)", re.MULTILINE)
APE_SCAN_LIMIT = 500  # ape 0.8 silently ignores files past the first 500 under contracts/


def declared_contracts(root: Path) -> set[str]:
    names = set()
    for source in (root / "contracts").rglob("*.sol"):
        if ".cache" not in source.parts:
            names.update(DECLARATION.findall(source.read_text()))
    return names


def test_every_contract_under_contracts_is_compiled(project, toolchain):
    declared = declared_contracts(toolchain.root)
    assert declared, "no contracts found"
    compiled = set(project.contracts.keys())
    assert declared <= compiled, f"declared but not compiled: {sorted(declared - compiled)}"


def test_contracts_folder_stays_within_apes_scan_limit(toolchain):
    files = [p for p in (toolchain.root / "contracts").rglob("*") if p.is_file()]
    # Ape creates contracts/.cache itself; it must stay free of vendored sources.
    vendored = [p for p in files if ".cache" in p.parts]
    assert not vendored, f"an Ape npm: dependency was vendored into contracts/.cache: {vendored[:3]}"
    assert len(files) < APE_SCAN_LIMIT


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_ape_compiles_with_the_network_unreachable(toolchain, tmp_path):
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    shutil.copytree(toolchain.root / "contracts", project_dir / "contracts")
    shutil.copy(toolchain.root / "ape-config.yaml", project_dir)
    (project_dir / "node_modules").symlink_to(toolchain.root / "node_modules")
    home = tmp_path / "home"  # no ~/.solcx, no Ape caches: nothing to fall back on
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    ape = Path(os.environ.get("VIRTUAL_ENV", toolchain.root / ".venv")) / "bin" / "ape"

    # A new network namespace has no interfaces up: any download attempt fails.
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    prefix = ["unshare", "-rn"] if probe.returncode == 0 else ["unshare", "-n"]
    result = subprocess.run(
        [*prefix, str(ape), "compile", "--force"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "compiled" in output
    assert "Internet connection required" not in output
    assert "Installing" not in output
    assert not (home / ".solcx").exists()
    assert (project_dir / ".build" / "__local__.json").is_file()
