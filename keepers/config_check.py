"""Configuration the settings model does not describe, caught before pydantic reads it.

pydantic-settings drops a `LAPIDARY_*` variable that names no field, and a YAML key no model
declares, without a word: a typo (`chian:` in the YAML file, `rpc_ulr` in a variable) leaves the default
in force. These functions walk the raw YAML mapping and the environment against the models' fields
and name the nearest valid key (difflib). They also read every variable that holds a list, a mapping
or a whole section as JSON first, so a bad one is named, not reported as a pydantic-settings
traceback about its top-level field. Pure: they return problems as one-line strings, never raise.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator, Mapping
from difflib import get_close_matches
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

PREFIX = "LAPIDARY_"
DELIMITER = "__"
_SEQUENCES = (list, tuple, set, frozenset)


def _members(annotation: Any) -> list[Any]:
    """The types of a union (without None), or the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _model(annotation: Any) -> type[BaseModel] | None:
    """The settings section an annotation holds (`ChainSettings`, `KeySettings | None`), if any."""
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a list's items (`list[FactorySettings]`), if any."""
    for member in _members(annotation):
        if get_origin(member) in _SEQUENCES and get_args(member):
            return _model(get_args(member)[0])
    return None


def _is_mapping(annotation: Any) -> bool:
    return any(get_origin(member) is dict or member is dict for member in _members(annotation))


def _shape(annotation: Any) -> str | None:
    """'a list', 'a mapping', 'a section' when a variable must hold JSON; None for a plain value."""
    shapes = set()
    for member in _members(annotation):
        if _model(member) is not None:
            shapes.add("a section")
        elif member is dict or get_origin(member) is dict:
            shapes.add("a mapping")
        elif member in _SEQUENCES or get_origin(member) in _SEQUENCES:
            shapes.add("a list")
        else:
            return None  # a scalar member: pydantic-settings passes the raw string on
    return " or ".join(sorted(shapes)) or None


_EXAMPLES = {"a list": "'[\"...\"]'", "a mapping": '\'{"name": "..."}\'', "a section": "'{\"field\": ...}'"}


def _nearest(name: str, choices: list[str]) -> str | None:
    found = get_close_matches(name, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown(where: str, given: str, suggestion: str | None, choices: list[str]) -> str:
    if suggestion is not None:
        return f"{where}: unknown setting {given!r}; did you mean {suggestion}?"
    return f"{where}: unknown setting {given!r}; remove it (the settings there: {', '.join(sorted(choices))})"


def unknown_keys(data: Mapping[str, Any], model: type[BaseModel], where: str, at: str = "") -> Iterator[str]:
    """Every key of `data` (a YAML mapping, a JSON section) that `model` does not declare, nested
    sections and lists of sections included; `where` names the source in the messages."""
    fields = model.model_fields
    for key, value in data.items():
        path = f"{at}{key}"
        if key not in fields:
            nearest = _nearest(str(key), list(fields))
            yield _unknown(where, path, repr(f"{at}{nearest}") if nearest else None, list(fields))
            continue
        annotation = fields[key].annotation
        section, items = _model(annotation), _item_model(annotation)
        if section is not None and isinstance(value, Mapping):
            yield from unknown_keys(value, section, where, f"{path}.")
        elif items is not None and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from unknown_keys(item, items, where, f"{path}[{index}].")


def variable_problem(name: str, value: str, model: type[BaseModel]) -> str | None:
    """Why the `LAPIDARY_*` variable `name` cannot configure `model`: it names no setting (with the
    nearest variable that does), or it must hold JSON and does not (or holds unknown keys)."""
    parts = name[len(PREFIX) :].lower().split(DELIMITER)
    current: type[BaseModel] = model
    for depth, part in enumerate(parts):
        fields = current.model_fields
        if part not in fields:
            nearest = _nearest(part, list(fields))
            suggestion = None
            if nearest is not None:
                suggestion = PREFIX + DELIMITER.join([*parts[:depth], nearest, *parts[depth + 1 :]]).upper()
            return _unknown(name, part, suggestion, list(fields))
        annotation = fields[part].annotation
        if depth == len(parts) - 1:
            return _json_problem(name, value, annotation)
        if _is_mapping(annotation):
            return None  # LAPIDARY_API__BOTS__ARB=0x...: pydantic-settings fills the mapping's keys
        section = _model(annotation)
        if section is None:
            whole = PREFIX + DELIMITER.join(parts[: depth + 1]).upper()
            return f"{name}: {part!r} is a single value, it has no settings below it; set {whole}"
        current = section
    return None


def _json_problem(name: str, value: str, annotation: Any) -> str | None:
    shape = _shape(annotation)
    if shape is None:
        return None
    try:
        decoded = json.loads(value)
    except ValueError as err:
        example = _EXAMPLES[shape.split(" or ")[0]]
        return f"{name} must be JSON ({shape}), e.g. {name}={example}: {err}"
    section = _model(annotation) or _item_model(annotation)
    if section is None:
        return None
    found = decoded if isinstance(decoded, list) else [decoded]
    for item in found:
        if isinstance(item, Mapping):
            for problem in unknown_keys(item, section, name):
                return problem
    return None


def environment_problems(
    environ: Mapping[str, str], model: type[BaseModel], read_elsewhere: frozenset[str]
) -> Iterator[str]:
    """One line per `LAPIDARY_*` variable that configures nothing or cannot be read; variables in
    `read_elsewhere` (read by other code, not by the settings) are let through."""
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in read_elsewhere or upper == PREFIX:
            continue
        problem = variable_problem(name, environ[name], model)
        if problem is not None:
            yield problem


def annotation_at(model: type[BaseModel], location: tuple[int | str, ...]) -> Any | None:
    """The annotation of the field at `location` (a pydantic error's `loc`); None when it does not
    lead to a declared field (a union member's tag, a model validator's whole section)."""
    current: Any = model
    for part in location:
        if isinstance(part, int):
            items = [get_args(m)[0] for m in _members(current) if get_origin(m) in _SEQUENCES and get_args(m)]
            if not items:
                return None
            current = items[0]
            continue
        section = _model(current)
        if section is None or part not in section.model_fields:
            return None
        current = section.model_fields[part].annotation
    return current


def holds_secret(annotation: Any) -> bool:
    return SecretStr in _members(annotation)
