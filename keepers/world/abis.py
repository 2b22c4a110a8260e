"""Write the ABIs the runtime reads into ``keepers/chain/abi/`` (package data, committed).

The keepers encode calls and decode results, logs and reverts from ABIs, never from
signatures written by hand (``keepers.chain.contracts``). An installed package has no
``.build/`` and no ``node_modules/``, so the ABIs it needs ship inside it:

- every non-test contract of ours, as Ape compiled it (facets, interfaces, libraries:
  a library's ABI carries the custom errors and events its facets raise);
- the protocols the keepers talk to, from the npm artifacts the world is deployed from
  (the same files: what the keepers decode is what the world runs);
- Solidity's built-in ``Error(string)`` and ``Panic(uint256)`` (``SolidityBuiltins.json``,
  kept by hand: no compiler emits them).

``python -m keepers.world.abis`` rewrites the files that changed;
``tests/toolchain/test_abis.py`` fails while a shipped ABI differs from what this would write.
"""

from __future__ import annotations

import json
from pathlib import Path

from keepers.files import write_atomic
from keepers.toolchain import default_toolchain
from keepers.world.artifacts import ArtifactStore

ABI_DIR = Path(__file__).resolve().parents[1] / "chain" / "abi"
BUILTINS = "SolidityBuiltins"

# Shipped name -> the world's artifact name (keepers.world.artifacts.SOURCES).
PROTOCOLS: dict[str, str] = {
    "UniswapV2Factory": "UniswapV2Factory",
    "UniswapV2Pair": "UniswapV2Pair",
    "UniswapV2Router02": "UniswapV2Router02",
    "UniswapV3Factory": "UniswapV3Factory",
    "UniswapV3Pool": "UniswapV3Pool",
    "NonfungiblePositionManager": "NonfungiblePositionManager",
    "SwapRouter": "SwapRouter",
    "BalancerVault": "Vault",
    "BalancerWeightedPool": "WeightedPool",
    "AavePool": "Pool",
    "WETH9": "WETH9",
}
# Shipped name -> an OpenZeppelin Contracts build artifact (node_modules/@openzeppelin/contracts/build).
OPENZEPPELIN = {"ERC20": "IERC20Metadata"}


def _clean(abi: list[dict]) -> list[dict]:
    """Functions, events and errors only, in a stable order (diff-friendly)."""
    kept = [item for item in abi if item.get("type") in ("function", "event", "error")]
    return sorted(kept, key=lambda item: (item["type"], item.get("name", ""), json.dumps(item, sort_keys=True)))


def our_abis(root: Path) -> dict[str, list[dict]]:
    """Every compiled non-test contract with a non-empty ABI, from Ape's manifest."""
    manifest = json.loads((root / ".build" / "__local__.json").read_text())
    abis = {}
    for name, contract_type in manifest.get("contractTypes", {}).items():
        source = contract_type.get("sourceId", "")
        if source.startswith("contracts/test/"):
            continue
        abi = _clean(contract_type.get("abi", []))
        if abi:
            abis[name] = abi
    return abis


def protocol_abis(node_modules: Path) -> dict[str, list[dict]]:
    store = ArtifactStore(node_modules)
    abis = {name: _clean(store.abi(artifact)) for name, artifact in PROTOCOLS.items()}
    for name, artifact in OPENZEPPELIN.items():
        path = node_modules / "@openzeppelin" / "contracts" / "build" / "contracts" / f"{artifact}.json"
        abis[name] = _clean(json.loads(path.read_text())["abi"])
    return abis


def expected_abis(root: Path) -> dict[str, str]:
    """File name -> text of every generated ABI file (the builtins file is not generated)."""
    abis = our_abis(root)
    clash = abis.keys() & PROTOCOLS.keys() | abis.keys() & OPENZEPPELIN.keys()
    if clash:
        raise SystemExit(f"contract names clash with shipped protocol ABIs: {sorted(clash)}")
    abis |= protocol_abis(root / "node_modules")
    return {f"{name}.json": json.dumps(abi, indent=1, sort_keys=True) + "\n" for name, abi in sorted(abis.items())}


def write_abis(root: Path, folder: Path = ABI_DIR) -> list[Path]:
    """Bring ``folder`` in line with the compiled contracts and npm artifacts; returns what changed."""
    wanted = expected_abis(root)
    changed = []
    for name, text in wanted.items():
        path = folder / name
        if not path.is_file() or path.read_text() != text:
            changed.append(write_atomic(path, text))
    for stale in folder.glob("*.json"):
        if stale.name not in wanted and stale.stem != BUILTINS:
            stale.unlink()
            changed.append(stale)
    return changed


if __name__ == "__main__":  # `python -m keepers.world.abis`, after `python -m keepers.diamond.compile`
    changed = write_abis(default_toolchain().root)
    print("\n".join(f"wrote {path}" for path in changed) or "ABIs up to date")
