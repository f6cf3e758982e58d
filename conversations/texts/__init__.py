"""Every user-facing sentence, read from ``texts/<language>.yaml`` so citybot can speak more languages.

Keys are dotted paths into the YAML file (``errors.internal``); fields are filled with
``str.format`` (``{city}``). Code never holds a sentence of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

DEFAULT_LANGUAGE = "en"
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (about ten times faster at every start); the same documents either way."""


class Texts:
    """The sentences of one language, looked up by dotted key."""

    def __init__(self, strings: Mapping[str, Any], language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language
        self._tree = dict(strings)
        self._flat: dict[str, str] = {}
        _flatten(self._tree, "", self._flat)

    @classmethod
    def load(cls, language: str = DEFAULT_LANGUAGE) -> Texts:
        """The packaged texts of a language (English when there is no file for it)."""
        folder = resources.files(__package__)
        source = folder / f"{language}.yaml"
        if not source.is_file():
            language, source = DEFAULT_LANGUAGE, folder / f"{DEFAULT_LANGUAGE}.yaml"
        return cls(yaml.load(source.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}, language)  # noqa: S506

    def get(self, key: str, **fields: Any) -> str:
        """The sentence under ``key`` with its ``{fields}`` filled in; ``KeyError`` for an unknown key."""
        template = self._flat[key]
        return template.format(**fields) if fields else template

    def has(self, key: str) -> bool:
        return key in self._flat

    def keys(self) -> list[str]:
        return list(self._flat)

    def section(self, key: str) -> dict[str, str]:
        """The sentences directly under ``key`` in file order (e.g. the role choices)."""
        prefix = key + "."
        return {
            k[len(prefix) :]: v for k, v in self._flat.items() if k.startswith(prefix) and "." not in k[len(prefix) :]
        }


def _flatten(tree: Mapping[str, Any], prefix: str, into: dict[str, str]) -> None:
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            _flatten(value, key + ".", into)
        else:
            into[key] = str(value).rstrip("\n") if isinstance(value, str) else str(value)
