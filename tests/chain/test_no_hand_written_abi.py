"""Nothing in keepers/ writes a selector, an event topic or an ABI type list by hand: they come from
the shipped ABIs (keepers.chain.contracts). This reads every module's syntax tree and fails on one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

KEEPERS = Path(__file__).resolve().parents[2] / "keepers"
SIGNATURE = re.compile(r"^[A-Za-z_]\w*\([\w,\[\]()]*\)$")  # a canonical signature: no names, no spaces
HEX_SELECTOR = re.compile(r"^(0x)?[0-9a-fA-F]{8}$")
HEX_TOPIC = re.compile(r"^0x[0-9a-fA-F]{64}$")
# A tuple or array type (single types show up as dict keys everywhere; the call check catches lists).
ABI_TYPE = re.compile(r"^(\(.*\)(\[\d*\])*|(u?int\d*|address|bool|bytes\d*|string)(\[\d*\])+)$")
CHECKED_CALLS = {
    "keccak",
    "function_signature_to_4byte_selector",
    "event_signature_to_log_topic",
    "encode",
    "decode",
    "abi_encode",
    "abi_decode",
    "fromhex",
}
# Each exception says why no ABI can describe it.
ALLOWED = {
    ("world/deploy.py", 'encode(["uint256", "uint256[]"]'): "a Balancer INIT join's userData: no ABI describes it",
}


def _allowed_lines(source: str, snippet: str) -> set[int]:
    return {n for n, line in enumerate(source.splitlines(), start=1) if snippet in line}


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its constant parts are what a hand wrote
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def findings(path: Path) -> list[str]:
    """One line per source line that writes a selector, topic, signature or type list by hand."""
    by_line: dict[int, str] = {}
    for line, problem in _problems(path):
        by_line.setdefault(line, problem)
    return [by_line[line] for line in sorted(by_line)]


def _problems(path: Path):
    source = path.read_text()
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name not in CHECKED_CALLS:
            continue
        segment = ast.get_source_segment(source, node) or ""
        where = f"{path.relative_to(KEEPERS)}:{node.lineno}: {segment[:90]}"
        if any(path.relative_to(KEEPERS).as_posix() == f and segment.startswith(s) for f, s in ALLOWED):
            continue
        if name == "keccak":
            text = next((_literal(k.value) for k in node.keywords if k.arg == "text"), None)
            if text is not None and SIGNATURE.match(text):
                found.append((node.lineno, f"selector or topic from a hand-written signature: {where}"))
        if name in ("function_signature_to_4byte_selector", "event_signature_to_log_topic") and node.args:
            if _literal(node.args[0]) is not None:
                found.append((node.lineno, f"selector or topic from a hand-written signature: {where}"))
        if name in ("encode", "decode", "abi_encode", "abi_decode") and node.args:
            first = node.args[0]
            if isinstance(first, (ast.List, ast.Tuple)) and any(_literal(e) for e in first.elts):
                found.append((node.lineno, f"ABI type list written by hand: {where}"))
        if name == "fromhex" and node.args:
            text = _literal(node.args[0])
            if text is not None and HEX_SELECTOR.match(text):
                found.append((node.lineno, f"a 4-byte selector written by hand: {where}"))
    for node in ast.walk(ast.parse(source)):
        text = _literal(node) if isinstance(node, ast.Constant) else None
        if text is None:
            continue
        if any(
            path.relative_to(KEEPERS).as_posix() == f and node.lineno in _allowed_lines(source, s) for f, s in ALLOWED
        ):
            continue
        where = f"{path.relative_to(KEEPERS)}:{node.lineno}: {text[:70]!r}"
        if HEX_TOPIC.match(text):
            found.append((node.lineno, f"a 32-byte topic or hash written by hand: {where}"))
        elif HEX_SELECTOR.match(text) and text.startswith("0x"):
            found.append((node.lineno, f"a 4-byte selector written by hand: {where}"))
        elif SIGNATURE.match(text) and "(" in text and not text.endswith("()") or ABI_TYPE.match(text):
            if any(t in text for t in ("address", "uint", "int", "bool", "bytes", "string")):
                found.append((node.lineno, f"an ABI signature or type written by hand: {where}"))
    return found


def test_no_selector_topic_or_type_list_is_written_by_hand():
    problems = [f for path in sorted(KEEPERS.rglob("*.py")) for f in findings(path)]
    assert not problems, "use keepers.chain.contracts instead:\n" + "\n".join(problems)


def test_the_check_catches_each_kind():
    module = KEEPERS / "_probe_hand_written.py"
    text = "\n".join(
        [
            'A = keccak(text="transfer(address,uint256)")[:4]',
            'B = Web3.keccak(text="Sync(uint112,uint112)")',
            'C = decode(["uint256", "address"], data)',
            'D = bytes.fromhex("08c379a0")',
            'E = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"',
            'F = "(address,bool)[]"',
            'G = keccak(text="EIP712Domain(string name,uint256 chainId)")  # a typehash: allowed',
            'H = keccak(text="lapidary.some-namespace")  # not a signature: allowed',
        ]
    )
    module.write_text(text)
    try:
        found = findings(module)
    finally:
        module.unlink()
    assert len(found) == 6, found
    assert not any(":7:" in f or ":8:" in f for f in found), found
