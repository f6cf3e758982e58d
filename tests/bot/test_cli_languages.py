"""The command line in other languages: `citybot catalogue --check` on translations, `ask --language`,
`chat --language` (on stand-in languages, tests/helpers/languages.py: the shipped ones are checked apart)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.console import run_console
from catalogue import Catalogue
from conversations import open_engine
from tests.helpers.languages import stand_in_catalogue, stand_in_texts

runner = CliRunner()


def test_check_reads_every_translation_beside_the_catalogue(tmp_path: Path) -> None:
    base = stand_in_catalogue(tmp_path, "es")
    result = runner.invoke(app, ["catalogue", "--check", str(base)])
    assert result.exit_code == 0, result.output
    assert f"{base}: OK" in result.output
    assert f"{base.with_name('smr-rmm.es.yaml')}: OK, es: every domain, stage, area and action (96) translated" in (
        result.output
    )
    alone = runner.invoke(app, ["catalogue", "--check", str(base.with_name("smr-rmm.es.yaml"))])
    assert alone.exit_code == 0 and "OK, es" in alone.output and f"{base}: OK" not in alone.output


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_check_names_file_and_line_of_every_problem(tmp_path: Path) -> None:
    base = stand_in_catalogue(tmp_path, "es", drop=["L1S2", "P2"])
    translation = base.with_name("smr-rmm.es.yaml")
    document = yaml.safe_load(translation.read_text())
    document["actions"]["X9S9"] = {"title": "¿?"}
    document["actions"]["L1S1"]["title"] = " "
    translation.write_text(yaml.safe_dump(document, allow_unicode=True))
    lexicon = base.with_name("smr-concepts.es.yaml")
    concepts = yaml.safe_load(lexicon.read_text())
    concepts["concepts"]["dinero"] = ["plata"]
    del concepts["concepts"]["learning"]
    lexicon.write_text(yaml.safe_dump(concepts, allow_unicode=True))
    result = runner.invoke(app, ["catalogue", "--check", str(base)])
    assert result.exit_code == 1
    problems = result.output
    assert f"{translation}, line {line_of(translation, 'actions:')}: actions: missing 1 of 96: L1S2" in problems
    assert "areas: missing 1 of 10: P2" in problems
    assert f"{translation}, line {line_of(translation, 'X9S9')}: actions: unknown code 'X9S9'" in problems
    assert re.search(rf"{re.escape(str(translation))}, line \d+: L1S1: field 'title' is missing or empty", problems)
    assert f"{lexicon}, line {line_of(lexicon, 'dinero')}: unknown concept 'dinero'" in problems
    assert "concept 'learning' is missing" in problems


def test_ask_in_another_language_gives_its_titles_and_reasons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in_texts(tmp_path / "texts", ["es"], monkeypatch)
    base = stand_in_catalogue(tmp_path / "catalogue", "es")
    question = "¿cómo preparamos a los voluntarios para una emergencia?"
    result = runner.invoke(app, ["ask", "--language", "es", "--catalogue", str(base), question, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    spanish, english = Catalogue.load(base).in_language("es"), Catalogue.load(base)
    assert answer["language"] == "es" and answer["confident"]
    top = answer["matches"][0]
    assert top["code"] in {"P2M1", "P2R1", "P2S2"} and top["title"] == spanish.action(top["code"]).title
    assert top["original_title"] == english.action(top["code"]).title
    assert top["reason"].startswith("[es] ") and "voluntari" in top["reason"]


def test_a_language_citybot_does_not_speak_is_refused_with_the_list(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", "--language", "nl", "hoe beginnen we"])
    assert result.exit_code == 2 and "does not speak 'nl'" in result.output and "en" in result.output


async def test_chat_in_another_language(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in_texts(tmp_path / "texts", ["es"], monkeypatch)
    catalogue = Catalogue.load(stand_in_catalogue(tmp_path / "catalogue", "es"))
    async with await open_engine(sqlite_url, catalogue) as engine:
        stdout = io.StringIO()
        lines = "1\nBogotá\n2\n/results\n/language en\n/help\n"
        await run_console(engine, user="ana", stdin=io.StringIO(lines), stdout=stdout, language="es-419")
        spanish, english = engine.texts_for("es"), engine.texts
        output = stdout.getvalue()
        assert output.startswith(spanish.get("console.banner"))
        assert spanish.get("onboarding.city_saved", city="Bogotá") in output
        assert spanish.get("results.empty") in output
        assert english.get("language.set") in output and english.get("help.intro", model=catalogue.name) in output


def test_ask_puts_the_accents_back_in_the_hazard_and_the_reasons(tmp_path: Path) -> None:
    """Typed without accents, a Spanish question is still answered with the words spelt: "inundación", not "inundacion"."""
    if "es" not in Catalogue.load().languages:
        pytest.skip("the Spanish catalogue is not shipped")
    result = runner.invoke(app, ["ask", "--language", "es", "--json", "hubo una inundacion en el barrio, que hacemos"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["hazard"] == "inundación"
    reasons = " ".join(match["reason"] for match in payload["matches"])
    assert "inundación" in reasons and "inundacion" not in reasons
    plain = runner.invoke(app, ["ask", "--language", "es", "hubo una inundacion en el barrio, que hacemos"])
    assert "inundación" in plain.output and "inundacion" not in plain.output
