"""Every user-facing sentence, read from ``texts/<language>.yaml`` so citybot can speak more languages.

Keys are dotted paths into the YAML file (``errors.internal``); fields are filled with
``str.format`` (``{city}``). Code never holds a sentence of its own.

A value may have plural forms: a mapping of CLDR plural categories (``one``, ``other``, and for some
languages ``zero``, ``two``, ``few``, ``many``) picked by its ``{count}`` field with Babel's plural
rules for the language, so "1 note" and "2 notes" (and Portuguese "0 nota") come out right. Numbers
in fields are written the language's way ("4,096", "4 096"). A key a translation lacks falls back to
English, with one warning in the log per key: a missing sentence never breaks a conversation.
"""

from __future__ import annotations

import functools
import logging
import re
import string
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.numbers import format_decimal

DEFAULT_LANGUAGE = "en"
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (about ten times faster at every start); the same documents either way."""
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories: a mapping whose keys are only these (with ``other``) is one sentence's forms."""
LANGUAGE_FILE = re.compile(r"^[a-z]{2,3}\.yaml$")
"""A texts file: a language code and ``.yaml``."""
NUMBERS = (int, float)
"""The types of field values written the language's way (``bool`` is not one: ``type(True)`` is ``bool``)."""
COUNT = "count"
PLURALS_KEPT = 1_000
"""Counts whose plural category a language keeps once worked out."""
"""The field whose number picks a plural form."""

log = logging.getLogger(__name__)

FOLDER: Traversable | None = None
"""Where the texts files are read (``None``: this package's folder); tests point it at a folder of their own."""

Template = str | dict[str, str]
"""A sentence as written, or its plural forms by CLDR category."""


def is_plural(value: Any) -> bool:
    """Whether a YAML value is one sentence's plural forms rather than a section of sentences."""
    return isinstance(value, Mapping) and "other" in value and all(key in PLURAL_CATEGORIES for key in value)


def placeholders(template: str) -> set[str]:
    """The ``{fields}`` a sentence fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@functools.cache
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None


class Texts:
    """The sentences of one language, looked up by dotted key; missing ones come from ``fallback`` (English)."""

    def __init__(
        self, strings: Mapping[str, Any], language: str = DEFAULT_LANGUAGE, fallback: Texts | None = None
    ) -> None:
        self.language = language
        self.fallback = fallback
        self._tree = dict(strings)
        self._flat: dict[str, Template] = {}
        _flatten(self._tree, "", self._flat)
        self._locale = _locale(language) or _locale(DEFAULT_LANGUAGE)
        self._plain_small = self._locale is not None and format_decimal(987, locale=self._locale) == "987"
        """Whether numbers below 1,000 are written as Python writes them (Latin digits): then they skip Babel."""
        self._warned: set[str] = set()
        self._plurals: dict[float, str] = {}
        """Plural categories already worked out (the counts shown are mostly small numbers)."""

    @classmethod
    def load(cls, language: str = DEFAULT_LANGUAGE) -> Texts:
        """The packaged texts of a language (English when there is no file for it), falling back to English per key."""
        source = folder() / f"{language}.yaml"
        if language == DEFAULT_LANGUAGE or not source.is_file():
            return _english()
        return cls(read(language), language, fallback=_english())

    @staticmethod
    def available() -> list[str]:
        """The languages citybot has texts for, English first."""
        names = (item.name for item in folder().iterdir() if item.name.endswith(".yaml"))
        found = sorted(name.removesuffix(".yaml") for name in names if LANGUAGE_FILE.match(name))
        return [DEFAULT_LANGUAGE, *(code for code in found if code != DEFAULT_LANGUAGE)]

    def get(self, key: str, **fields: Any) -> str:
        """The sentence under ``key`` with its ``{fields}`` filled in (numbers the language's way).

        A key this language lacks comes from English (warned once); ``KeyError`` only for a key English lacks too.
        """
        if not fields:
            return self.template(key)
        template = self.template(key, fields.get(COUNT))
        for value in fields.values():
            if type(value) in NUMBERS:  # most fields are text, formatted as they are
                fields = {name: self.shown(value) for name, value in fields.items()}
                break
        return template.format(**fields)

    def template(self, key: str, count: Any = None) -> str:
        """The sentence under ``key`` as written, in the plural form for ``count`` (``other`` without one)."""
        value = self._flat.get(key)
        if type(value) is str:
            return value
        if value is None:
            if self.fallback is None:
                raise KeyError(key)
            if key not in self._warned:
                self._warned.add(key)
                log.warning("texts %s.yaml has no %r: English is shown instead", self.language, key)
            return self.fallback.template(key, count)
        if isinstance(value, str):
            return value
        category = self.plural(count) if isinstance(count, int | float) and not isinstance(count, bool) else "other"
        return value.get(category) or value["other"]

    def forms(self, key: str) -> dict[str, str]:
        """Every form of the sentence under ``key`` by plural category (``{"other": ...}`` for a plain one)."""
        value = self._flat.get(key)
        if value is None:
            if self.fallback is None:
                raise KeyError(key)
            return self.fallback.forms(key)
        return {"other": value} if isinstance(value, str) else dict(value)

    def plural(self, count: float) -> str:
        """The CLDR plural category of ``count`` in this language (``one``, ``many``, ``other``...)."""
        category = self._plurals.get(count)
        if category is None:
            category = self._locale.plural_form(abs(count)) if self._locale is not None else "other"
            if len(self._plurals) < PLURALS_KEPT:
                self._plurals[count] = category
        return category

    def shown(self, value: Any) -> Any:
        """A field's value as the sentence shows it: numbers the language's way, anything else as is."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if self._plain_small and isinstance(value, int) and 0 <= value < 1000:
            return value
        return format_decimal(value, locale=self._locale) if self._locale is not None else value

    def join(self, items: list[str]) -> str:
        """Items as a list in a sentence of this language: "English, Spanish and French"."""
        return format_list(items, locale=self._locale) if self._locale is not None and items else ", ".join(items)

    def has(self, key: str) -> bool:
        """Whether the key has a sentence, here or in the English it falls back to."""
        return key in self._flat or (self.fallback is not None and self.fallback.has(key))

    def own(self, key: str) -> bool:
        """Whether this language's file itself has the key (not through the fallback)."""
        return key in self._flat

    def keys(self) -> list[str]:
        return list(self._flat)

    def section(self, key: str) -> dict[str, str]:
        """The sentences directly under ``key`` in file order (e.g. the role choices), English where missing."""
        prefix = key + "."
        own = {
            k[len(prefix) :]: v
            for k, v in self._flat.items()
            if k.startswith(prefix) and "." not in k[len(prefix) :] and isinstance(v, str)
        }
        if self.fallback is None:
            return own
        return {name: own.get(name, text) for name, text in self.fallback.section(key).items()}


def folder() -> Traversable:
    """The folder of the texts files."""
    return FOLDER if FOLDER is not None else resources.files(__package__)


def read(language: str) -> dict[str, Any]:
    """The parsed texts file of a language (``{}`` for an empty one)."""
    source = folder() / f"{language}.yaml"
    return yaml.load(source.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}  # noqa: S506


@functools.cache
def _english() -> Texts:
    """English, read once per process: every other language falls back to it."""
    return Texts(read(DEFAULT_LANGUAGE), DEFAULT_LANGUAGE)


def _flatten(tree: Mapping[str, Any], prefix: str, into: dict[str, Template]) -> None:
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if is_plural(value):
            into[key] = {str(category): _text(form) for category, form in value.items()}
        elif isinstance(value, Mapping):
            _flatten(value, key + ".", into)
        else:
            into[key] = _text(value)


def _text(value: Any) -> str:
    return value.rstrip("\n") if isinstance(value, str) else str(value)
