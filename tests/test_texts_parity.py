"""Every translation of the texts has exactly English's keys, the same {placeholders} per key, its language's
plural categories (CLDR, from Babel) and English's emoji; command descriptions fit Telegram's menu.

Runs on whatever ``conversations/texts/<code>.yaml`` files exist (a translator adds one and runs
``pytest tests/test_texts_parity.py``); the checker itself is tested on a made-up translation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel import Locale

from conversations.texts import PLURAL_CATEGORIES, is_plural, placeholders
from tests.helpers.languages import marked

TEXTS = Path(__file__).resolve().parents[1] / "conversations" / "texts"
TRANSLATIONS = sorted(p.stem for p in TEXTS.glob("*.yaml") if re.fullmatch(r"[a-z]{2,3}", p.stem) and p.stem != "en")
COMMAND_DESCRIPTION = 256
"""Telegram's longest command description (setMyCommands)."""
EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u25A0-\u25FF]")


def flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted key -> text, or -> {category: text} for plural forms."""
    out: dict[str, Any] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if is_plural(value):
            out[key] = {str(category): str(form) for category, form in value.items()}
        elif isinstance(value, Mapping):
            out.update(flat(value, key + "."))
        else:
            out[key] = "" if value is None else str(value)
    return out


def forms(value: Any) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


def categories(language: str) -> set[str]:
    """The plural categories CLDR has for the language (``other`` always)."""
    return set(Locale.parse(language).plural_form.tags) | {"other"}


def problems(english: Mapping[str, Any], translation: Mapping[str, Any], language: str) -> list[str]:
    """Everything that keeps a translation from standing in for English, one line each."""
    source, target = flat(english), flat(translation)
    found = [f"missing key {key}" for key in source if key not in target]
    found += [f"extra key {key} (not in en.yaml)" for key in target if key not in source]
    cldr = categories(language)
    for key, value in source.items():
        if key not in target:
            continue
        other = target[key]
        if isinstance(value, dict) != isinstance(other, dict):
            shape = "plural forms (one/other...)" if isinstance(value, dict) else "one text"
            found.append(f"{key}: English has {shape}")
            continue
        if isinstance(other, dict) and set(other) != cldr:
            found.append(f"{key}: plural categories {sorted(other)}, {language} has {sorted(cldr)} (CLDR)")
        wanted = {name for form in forms(value) for name in placeholders(form)}
        try:
            given = {name for form in forms(other) for name in placeholders(form)}
        except ValueError as error:
            found.append(f"{key}: broken {{placeholder}}: {error}")
            continue
        if given != wanted:
            found.append(f"{key}: placeholders {sorted(given)}, English has {sorted(wanted)}")
        if any(not form.strip() for form in forms(other)):
            found.append(f"{key}: empty")
        missing_emoji = set(EMOJI.findall("".join(forms(value)))) - set(EMOJI.findall("".join(forms(other))))
        if missing_emoji:
            found.append(f"{key}: emoji {''.join(sorted(missing_emoji))} of English missing")
        if key.startswith("commands.") and any(len(form) > COMMAND_DESCRIPTION for form in forms(other)):
            found.append(f"{key}: longer than Telegram's {COMMAND_DESCRIPTION} characters")
    return found


def english() -> dict[str, Any]:
    return yaml.safe_load((TEXTS / "en.yaml").read_text(encoding="utf-8"))


def test_english_plural_forms_use_cldr_categories_and_count() -> None:
    for key, value in flat(english()).items():
        if isinstance(value, dict):
            assert set(value) <= set(PLURAL_CATEGORIES) and "other" in value, key
            assert "count" in placeholders(value["other"]), f"{key}: plural forms are picked by {{count}}"


@pytest.mark.parametrize("language", TRANSLATIONS or [pytest.param("", marks=pytest.mark.skip("no translation yet"))])
def test_a_translation_has_every_key_and_placeholder_of_english(language: str) -> None:
    translation = yaml.safe_load((TEXTS / f"{language}.yaml").read_text(encoding="utf-8")) or {}
    found = problems(english(), translation, language)
    assert not found, f"conversations/texts/{language}.yaml:\n" + "\n".join(found)


# --- the checker, on made-up translations --------------------------------------------------------------


def spanish_plurals(tree: Mapping[str, Any]) -> dict[str, Any]:
    """A made-up complete Spanish: English marked, with the "many" form CLDR has for Spanish."""
    out: dict[str, Any] = {}
    for name, value in tree.items():
        if is_plural(value):
            out[name] = {**value, "many": value["other"]}
        elif isinstance(value, Mapping):
            out[name] = spanish_plurals(value)
        else:
            out[name] = value
    return out


def test_a_complete_translation_passes() -> None:
    assert problems(english(), spanish_plurals(marked(english(), "es")), "es") == []


def test_the_checker_finds_what_a_translator_can_get_wrong() -> None:
    broken = spanish_plurals(marked(english(), "es"))
    del broken["onboarding"]["welcome"]
    broken["onboarding"]["extra"] = "¿?"
    broken["onboarding"]["city_saved"] = "🏙 Ciudad: {ciudad}"
    broken["assessment"]["has_notes"] = {"one": "{count} nota", "other": "{count} notas"}
    broken["results"]["empty"] = {"one": "a", "other": "b"}
    broken["privacy"]["forget_yes"] = "Sí, borrar"
    broken["commands"]["help"] = "x" * 300
    broken["ask"]["usage"] = "Pregunte {"
    found = "\n".join(problems(english(), broken, "es"))
    assert "missing key onboarding.welcome" in found
    assert "extra key onboarding.extra" in found
    assert "onboarding.city_saved: placeholders ['ciudad'], English has ['city']" in found
    assert "assessment.has_notes: plural categories ['one', 'other'], es has ['many', 'one', 'other']" in found
    assert "results.empty: English has one text" in found
    assert "privacy.forget_yes: emoji 🗑 of English missing" in found
    assert "commands.help: longer than Telegram's 256 characters" in found
    assert "ask.usage: broken {placeholder}" in found
