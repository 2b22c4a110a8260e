"""Editing a library recompiles the contracts that import it (Ape alone would not)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

LIBRARY = "pragma solidity ^0.8.0; library Answer {{ function get() internal pure returns (uint256) {{ return {}; }} }}"
USER = (
    'pragma solidity 0.8.28; import "./Answer.sol";'
    "contract User { function answer() external pure returns (uint256) { return Answer.get(); } }"
)

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ape import Project
    from ape.logging import logger
    from keepers.diamond.compile import compile_project

    logger.set_level("ERROR")
    root = Path(sys.argv[1])
    project = Project(root)
    print(compile_project(project), project.User.contract_type.deployment_bytecode.bytecode)
    """
)


def run(project_dir) -> tuple[bool, str]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(project_dir)], capture_output=True, text=True, timeout=300, check=True
    ).stdout.split()
    return out[-2] == "True", out[-1]


def test_a_library_edit_recompiles_its_importers(tmp_path, toolchain):
    (tmp_path / "contracts").mkdir()
    (tmp_path / "ape-config.yaml").write_text("name: stale\nsolidity:\n  version: 0.8.28\n")
    (tmp_path / "contracts" / "Answer.sol").write_text(LIBRARY.format(41))
    (tmp_path / "contracts" / "User.sol").write_text(USER)

    compiled, first = run(tmp_path)
    assert compiled
    assert run(tmp_path) == (False, first)  # nothing changed: no compile

    (tmp_path / "contracts" / "Answer.sol").write_text(LIBRARY.format(42))
    compiled, second = run(tmp_path)
    assert compiled and second != first
    # Ape's own incremental compile in between must not hide the change from the importers.
    (tmp_path / "contracts" / "Answer.sol").write_text(LIBRARY.format(43))
    subprocess.run(
        [str(toolchain.root / ".venv" / "bin" / "ape"), "compile"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    compiled, third = run(tmp_path)
    assert compiled and third not in (first, second)
