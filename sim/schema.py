"""The schema machinery: field specs, validation with one-line errors, plain-dict views.

Every typed config of the project (the model config, a policy's parameters, a study, an
exercise) is a frozen dataclass whose fields are made with :func:`spec`. :func:`from_dict`
builds one from a plain mapping (YAML, Hydra, a dict), checking every value: a wrong value
raises :class:`ConfigError` whose message is one line naming the field, the value and what
is allowed. This module imports nothing else of the project.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import field
from typing import Any


class ConfigError(ValueError):
    """A configuration value is missing, unknown or outside its allowed range."""


_NO_DEFAULT = object()


def spec(lo: float | None = None, hi: float | None = None, *, choices=None, unit: str = "",
         doc: str = "", default: Any = _NO_DEFAULT, empty: bool = False):
    """Field metadata: allowed closed range ``[lo, hi]`` or ``choices``, unit and meaning.

    ``default`` makes the field optional in the YAML (used by policy parameters);
    ``empty=True`` lets a list or mapping field be empty.
    """
    meta = {"lo": lo, "hi": hi, "choices": choices, "unit": unit, "doc": doc, "empty": empty}
    if default is _NO_DEFAULT:
        return field(metadata=meta)
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def _describe(meta: dict) -> str:
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return "any value"
    return f"in [{lo:g}, {hi:g}]"


def _convert(value: Any, tp: Any, meta: dict, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None and len(args) < len(typing.get_args(tp)):
            return None
        return _convert(value, args[0], meta, path)
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, path)
    if origin is dict:
        if not isinstance(value, dict) or (not value and not meta.get("empty")):
            kind = "a mapping" if meta.get("empty") else "a non-empty mapping"
            raise ConfigError(f"{path} = {value!r} is not allowed: must be {kind}")
        _, vtp = typing.get_args(tp)
        return {str(k): _convert(v, vtp, meta, f"{path}.{k}") for k, v in value.items()}
    if origin is list:
        if (isinstance(value, str) or not isinstance(value, (list, tuple))
                or (not value and not meta.get("empty"))):
            kind = "a list" if meta.get("empty") else "a non-empty list"
            raise ConfigError(f"{path} = {value!r} is not allowed: must be {kind}")
        (itp,) = typing.get_args(tp)
        return [_convert(v, itp, meta, f"{path}[{i}]") for i, v in enumerate(value)]
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path} = {value!r} is not allowed: must be true or false")
        return value
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok:
            raise ConfigError(f"{path} = {value!r} is not allowed: must be an integer "
                              f"{_describe(meta)}")
        return _check_range(value, meta, path, "an integer")
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{path} = {value!r} is not allowed: must be a number "
                              f"{_describe(meta)}")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{path} = {value!r} is not allowed: must be a finite number "
                              f"{_describe(meta)}")
        return _check_range(value, meta, path, "a number")
    if tp is str:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path} = {value!r} is not allowed: must be a non-empty string")
        if meta.get("choices") and value not in meta["choices"]:
            raise ConfigError(f"{path} = {value!r} is not allowed: must be {_describe(meta)}")
        return value
    raise TypeError(f"unsupported schema type {tp!r} at {path}")  # schema bug, not user input


def _check_range(value, meta: dict, path: str, kind: str):
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{path} = {value!r} is not allowed: must be {kind} {_describe(meta)}")
    return value


def from_dict(cls, data: Any, path: str = ""):
    """Build dataclass ``cls`` from a plain mapping, validating every field.

    Raises
    ------
    ConfigError
        On a missing field, an unknown field, a wrong type or an out-of-range value; the
        message is one line naming the dotted field path, the value and what is allowed.
    """
    where = path or "config"
    if not isinstance(data, dict):
        raise ConfigError(f"{where} = {data!r} is not allowed: must be a mapping")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{join_path(path, unknown[0])} is not a known field; allowed fields of "
                          f"{where}: {', '.join(fields)}")
    kwargs = {}
    for name, f in fields.items():
        fpath = join_path(path, name)
        optional = type(None) in typing.get_args(hints[name])
        has_default = (f.default is not dataclasses.MISSING
                       or f.default_factory is not dataclasses.MISSING)
        if name not in data:
            if has_default:
                continue
            raise ConfigError(f"{fpath} is missing: must be given ({_describe(f.metadata)})")
        if data[name] is None and not optional:
            raise ConfigError(f"{fpath} is missing: must be given ({_describe(f.metadata)})")
        kwargs[name] = _convert(data[name], hints[name], dict(f.metadata), fpath)
    obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if check is not None:  # cross-field checks, given the dotted path for their messages
        check(path)
    return obj


def join_path(path: str, name: str) -> str:
    """``"a.b"`` for ``("a", "b")``; ``"b"`` for ``("", "b")``."""
    return f"{path}.{name}" if path else name


def to_dict(config) -> dict:
    """Plain nested dict of a config dataclass (inverse of :func:`from_dict`)."""
    return dataclasses.asdict(config)


def flatten(config) -> dict[str, Any]:
    """Flat ``{"dotted.path": value}`` view of a config (lists joined with ``|``)."""
    out: dict[str, Any] = {}

    def walk(node, prefix):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        elif isinstance(node, list):
            out[prefix] = "|".join(str(v) for v in node)
        else:
            out[prefix] = node

    walk(to_dict(config), "")
    return out


def field_specs(cls, prefix: str = "") -> dict[str, dict]:
    """Dotted path -> metadata (range, unit, doc) for every numeric leaf of the schema.

    Dict-valued fields (countries, commodities) are skipped: their keys depend on the
    scenario. Used by documentation and by sensitivity analysis to check parameter bounds.
    """
    out = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        p = join_path(prefix, f.name)
        if dataclasses.is_dataclass(tp):
            out.update(field_specs(tp, p))
        elif tp in (int, float, bool, str):
            out[p] = {"type": tp.__name__, **f.metadata}
    return out


def set_dotted(data: dict, dotted: str, value: Any) -> None:
    """Set ``data["a"]["b"] = value`` for ``dotted == "a.b"``; unknown paths raise ConfigError."""
    keys = dotted.split(".")
    node = data
    for i, k in enumerate(keys[:-1]):
        if not isinstance(node, dict) or k not in node:
            raise ConfigError(f"{'.'.join(keys[: i + 1])} is not a known field "
                              f"(while setting {dotted}={value!r})")
        node = node[k]
    if not isinstance(node, dict) or keys[-1] not in node:
        raise ConfigError(f"{dotted} is not a known field (while setting {dotted}={value!r})")
    node[keys[-1]] = value


__all__ = ["ConfigError", "field_specs", "flatten", "from_dict", "join_path", "set_dotted", "spec",
           "to_dict"]
