"""`citybot chat --language es|fr|pt` driven through a pipe: onboarding, a check-in, /results and a typed
question, with no English sentence left in any reply (checked against en.yaml and the English catalogue).

Each language's walk skips while its translation (texts and catalogue) is not shipped; the check itself is
tested on an English walk, which it must catch.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.console import run_console
from catalogue import Catalogue
from conversations import Engine
from tests.helpers.cli import run_citybot

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ROOT / "conversations" / "texts"
DATA = ROOT / "catalogue" / "data"
QUESTIONS = {
    "es": "¿cómo preparamos a los voluntarios para una emergencia?",
    "fr": "comment préparer les bénévoles à une situation d'urgence ?",
    "pt": "como preparamos os voluntários para uma emergência?",
}
"""A question an official might type, in each language."""
MIN_WORDS = 3
"""An English fragment of at least this many words, found in a reply line, is English left untranslated."""
WORD = re.compile(r"[^\W\d_]{2,}")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
STRIPPED = " .,:;·•()“”\"'!?-\u2013→"
"""Punctuation around a fragment (the en dash among it)."""


def texts_values(tree: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            if "other" in value and all(isinstance(v, str) for v in value.values()):
                out[key] = [str(v) for v in value.values()]
            else:
                out.update(texts_values(value, key + "."))
        else:
            out[key] = [str(value)]
    return out


def english_fragments(translation: Mapping[str, Any], catalogue: Catalogue) -> set[str]:
    """English sentence parts of at least MIN_WORDS words that a translated walk must not show.

    From en.yaml (the literal parts between placeholders, line by line) and the catalogue's English titles and
    names; leaving out what the translation file keeps identical (proper names, "SMR", emoji-only texts).
    """
    english = texts_values(yaml.safe_load((TEXTS / "en.yaml").read_text(encoding="utf-8")))
    translated = texts_values(translation)
    kept = " ".join(" ".join(forms) for forms in translated.values())
    fragments: set[str] = set()
    for key, forms in english.items():
        if translated.get(key) == forms or key.endswith("generic_words"):
            continue
        for form in forms:
            for line in form.splitlines():
                for part in PLACEHOLDER.split(line):
                    part = part.strip(STRIPPED)
                    if len(WORD.findall(part)) >= MIN_WORDS and part not in kept:
                        fragments.add(part)
    records: Iterable[str] = (
        [a.title for a in catalogue.actions]
        + [a.title for a in catalogue.areas]
        + [s.description for s in catalogue.stages]
    )
    fragments |= {text for text in records if len(WORD.findall(text)) >= MIN_WORDS}
    return fragments


def english_left(output: str, fragments: set[str]) -> list[str]:
    """The output's lines that show an English fragment."""
    return [line for line in output.splitlines() if any(fragment in line for fragment in fragments)]


def walk(language: str) -> list[str]:
    return ["1", "Recife", "2", "/checkin", *["2"] * 10, "4", "/results", QUESTIONS[language]]


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_a_walk_in_the_language_leaves_no_english(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts, catalogue_file = TEXTS / f"{language}.yaml", DATA / f"smr-rmm.{language}.yaml"
    if not texts.is_file() or not catalogue_file.is_file():
        pytest.skip(f"{language}: {texts.name} or {catalogue_file.name} not shipped yet (translators write them)")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    chat = run_citybot("chat", "--language", language, "--user", "ana", database_url=f"sqlite:///{tmp_path / 'w.db'}",
                       lines=walk(language))  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    catalogue = Catalogue.load()
    translated = catalogue.in_language(language)
    assert translated.action("L1S1").title in chat.stdout or translated.domain("L").name in chat.stdout
    left = english_left(chat.stdout, english_fragments(yaml.safe_load(texts.read_text(encoding="utf-8")), catalogue))
    assert not left, f"English left in the {language} walk:\n" + "\n".join(left)


async def test_the_check_catches_an_english_walk(engine: Engine, catalogue: Catalogue) -> None:
    stdout = io.StringIO()
    lines = [*walk("es")[:-1], "how do we prepare volunteers for an emergency?"]
    await run_console(engine, user="ana", stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=stdout)
    made_up = {"commands": {"help": "Ayuda"}}  # a translation that keeps nothing of English
    left = english_left(stdout.getvalue(), english_fragments(made_up, catalogue))
    assert len(left) > 10  # the welcome, the check-in's questions, the results, the answer...
    assert any(engine.texts.get("checkin.finished").strip("✅ ") in line for line in left) or any(
        catalogue.area("L1").title in line for line in left
    )


async def test_the_consoles_own_lines_follow_a_language_picked_in_the_chat(engine: Engine, tmp_path: Path) -> None:
    """After ``/language es`` the console's own lines (a saved chart) are in Spanish too, as the bot's replies."""
    if not (TEXTS / "es.yaml").is_file():
        pytest.skip("es.yaml not shipped yet")
    stdout = io.StringIO()
    lines = ["1", "Recife", "2", "/checkin", *["2"] * 10, "4", "/language es", "/progress"]
    await run_console(
        engine, user="ana", stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=stdout,
        chart_folder=tmp_path / "charts",
    )  # fmt: skip
    spanish = engine.texts_for("es").get("console.chart", path="|").split("|")[0]
    english = engine.texts.get("console.chart", path="|").split("|")[0]
    saved = [line for line in stdout.getvalue().splitlines() if line.startswith((spanish, english))]
    assert saved[0].startswith(english)  # the check-in's chart, before the switch
    assert saved[-1].startswith(spanish)  # /progress's, after it
