"""The solcjs shim speaks the part of the `solc` command line that py-solc-x and ape-solidity use."""

from __future__ import annotations

import json
import subprocess

import pytest
import solcx
from packaging.version import Version

from keepers.toolchain import SOLC_VERSION


def run(toolchain, *args: str, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(toolchain.solc), *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120
    )


def standard_input(sources: dict[str, str], selection=("abi", "evm.bytecode.object"), remappings=()) -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": {name: {"content": text} for name, text in sources.items()},
            "settings": {"remappings": list(remappings), "outputSelection": {"*": {"*": list(selection)}}},
        }
    )


def test_registered_where_py_solc_x_looks(toolchain):
    assert Version(SOLC_VERSION) in solcx.get_installed_solc_versions()
    assert solcx.install.get_executable(SOLC_VERSION) == toolchain.solc


def test_version_is_what_py_solc_x_parses(toolchain):
    result = run(toolchain, "--version")
    assert result.returncode == 0
    assert "Version: 0.8.28+commit.7893614a" in result.stdout
    assert solcx.wrapper.get_solc_version(toolchain.solc, with_commit_hash=True) == Version("0.8.28+commit.7893614a")


def test_standard_json_resolves_imports_from_base_and_include_paths(toolchain, tmp_path):
    (tmp_path / "base" / "lib").mkdir(parents=True)
    (tmp_path / "extra" / "pkg").mkdir(parents=True)
    (tmp_path / "base" / "lib" / "A.sol").write_text(
        "pragma solidity ^0.8.0; library A { function one() internal pure returns (uint) { return 1; } }"
    )
    (tmp_path / "extra" / "pkg" / "B.sol").write_text("pragma solidity ^0.8.0; contract B {}")
    main = (
        'pragma solidity ^0.8.0; import "lib/A.sol"; import "pkg/B.sol";'
        "contract Main is B { function f() external pure returns (uint) { return A.one(); } }"
    )

    result = run(
        toolchain,
        "--standard-json",
        "--base-path",
        str(tmp_path / "base"),
        "--include-path",
        str(tmp_path / "extra"),
        "--allow-paths",
        str(tmp_path),
        stdin=standard_input({"Main.sol": main}),
    )

    output = json.loads(result.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"], output.get("errors")
    assert set(output["sources"]) == {"Main.sol", "lib/A.sol", "pkg/B.sol"}
    assert output["contracts"]["Main.sol"]["Main"]["evm"]["bytecode"]["object"]


def test_imports_outside_the_allowed_roots_are_not_read(toolchain, tmp_path):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "S.sol").write_text("pragma solidity ^0.8.0; contract S {}")
    (tmp_path / "base").mkdir()
    main = f'pragma solidity ^0.8.0; import "{tmp_path}/secret/S.sol"; contract Main {{}}'

    result = run(
        toolchain,
        "--standard-json",
        "--base-path",
        str(tmp_path / "base"),
        stdin=standard_input({"Main.sol": main}),
        cwd=tmp_path / "base",
    )

    errors = [e["message"] for e in json.loads(result.stdout)["errors"] if e["severity"] == "error"]
    assert any("not found" in message.lower() for message in errors), errors


def test_output_larger_than_a_pipe_buffer_arrives_whole(toolchain):
    # Full output of OpenZeppelin's ERC20 is far beyond 64 KiB; node truncates it if it
    # exits before stdout drains.
    source = (
        'pragma solidity ^0.8.20; import "@openzeppelin/contracts/token/ERC20/ERC20.sol";'
        'contract T is ERC20 { constructor() ERC20("t", "t") {} }'
    )
    result = run(
        toolchain,
        "--standard-json",
        "--base-path",
        str(toolchain.root),
        stdin=standard_input(
            {"T.sol": source},
            selection=("*",),
            remappings=(f"@openzeppelin/contracts={toolchain.root}/node_modules/@openzeppelin/contracts",),
        ),
    )
    assert len(result.stdout) > 4 * 65536
    output = json.loads(result.stdout)
    assert output["contracts"]["T.sol"]["T"]["evm"]["deployedBytecode"]["object"]


def test_compile_errors_come_back_as_json_errors(toolchain):
    result = run(toolchain, "--standard-json", stdin=standard_input({"Bad.sol": "pragma solidity ^0.8.0; contract {"}))
    assert result.returncode == 0
    assert json.loads(result.stdout)["errors"][0]["severity"] == "error"


def test_combined_json_through_py_solc_x(toolchain):
    out = solcx.compile_source(
        "pragma solidity ^0.8.0; contract C { function f() external pure returns (uint) { return 7; } }",
        output_values=["abi", "bin", "bin-runtime"],
        solc_binary=toolchain.solc,
    )
    (contract,) = out.values()
    assert contract["abi"][0]["name"] == "f"
    assert contract["bin"] and contract["bin-runtime"]


@pytest.mark.parametrize("args", [("--bogus-flag",), ("--combined-json", "abi,nonsense", "x.sol"), ()])
def test_unsupported_use_fails_with_a_message(toolchain, args):
    result = run(toolchain, *args, stdin="")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
