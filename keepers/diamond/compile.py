"""Compile the project whole whenever any of its Solidity sources changed.

Ape 0.8 recompiles only the files whose text changed, never the files that
import them: edit a library and every facet built from it keeps its old
bytecode. A full compile of this project takes seconds, so any change, addition
or removal under contracts/ recompiles everything. A digest of the sources at
the last full compile is kept next to Ape's build output, so an incremental
`ape compile` in between is caught too.
"""

from __future__ import annotations

import hashlib

from ape.managers.project import ProjectManager

STAMP = "lapidary-sources.sha256"


def sources_digest(project: ProjectManager) -> str:
    """SHA-256 over every Solidity source under contracts/ (path and text)."""
    folder = project.contracts_folder
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.sol")):
        if ".cache" in path.relative_to(folder).parts:
            continue
        digest.update(str(path.relative_to(project.path)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def compile_project(project: ProjectManager) -> bool:
    """Bring every contract type up to date; True when a full compile ran."""
    stamp = project.path / ".build" / STAMP
    digest = sources_digest(project)
    if project.manifest.contract_types and stamp.is_file() and stamp.read_text().strip() == digest:
        return False
    project.load_contracts(use_cache=False)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return True


if __name__ == "__main__":  # `python -m keepers.diamond.compile`: compile the project in the cwd
    from ape import project as cwd_project

    print("compiled" if compile_project(cwd_project) else "up to date")
