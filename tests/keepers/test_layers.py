"""The runtime stands apart from the development harness, and imports run one way.

A keeper or the API on a network with no local world must not need the world's address book, the
demo or the offline toolchain: no runtime module imports them, and nothing imports the CLI (the
top floor). Checked twice: statically over every module's imports, and by importing every service
in a fresh interpreter and looking at what got loaded."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

KEEPERS = Path(__file__).resolve().parents[2] / "keepers"
HARNESS = (
    "keepers.world",
    "keepers.demo",
    "keepers.sim",
    "keepers.toolchain",
    "keepers.devrelay",
    "keepers.devexchange",
    "keepers.up",
    "keepers.cli",
)
SERVICES = ("keepers.arb.service", "keepers.rewards.service", "keepers.gasless.service", "keepers.api.server")


def module_name(path: Path) -> str:
    parts = path.relative_to(KEEPERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def is_harness(module: str) -> bool:
    return any(module == h or module.startswith(h + ".") for h in HARNESS)


def test_no_runtime_module_imports_the_harness_and_nothing_imports_the_cli():
    problems = []
    for path in sorted(KEEPERS.rglob("*.py")):
        module = module_name(path)
        for imported in imports(path):
            if imported == "keepers.cli" or imported.startswith("keepers.cli."):
                problems.append(f"{module} imports the CLI")
            elif not is_harness(module) and is_harness(imported):
                problems.append(f"{module} (runtime) imports {imported} (harness)")
    assert not problems, "\n".join(problems)


def test_services_load_no_harness_module():
    probe = (
        "import importlib, json, sys\n"
        f"for name in {SERVICES!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('keepers'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    loaded = json.loads(result.stdout)
    assert set(SERVICES) <= set(loaded)
    assert [m for m in loaded if is_harness(m)] == []
