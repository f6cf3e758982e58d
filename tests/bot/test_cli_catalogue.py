"""The catalogue commands of `citybot`, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from catalogue import default_path
from tests.helpers.cli import modules_loaded_by

runner = CliRunner()


def test_catalogue_json_lists_the_whole_model() -> None:
    result = runner.invoke(app, ["catalogue", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"version", "domains", "areas", "stages", "actions"} <= data.keys()
    assert len(data["actions"]) == 96
    assert data["actions"][0] == {
        "code": "L1S1",
        "title": "Establish a working team responsible for resilience issues in the city",
        "domain": "L",
        "area": "L1",
        "stage": "S",
    }
    assert [s["code"] for s in data["stages"]] == ["S", "M", "A", "R", "T"]


def test_catalogue_prints_a_readable_outline() -> None:
    result = runner.invoke(app, ["catalogue"])
    assert result.exit_code == 0
    assert "L1S1   Establish a working team" in result.output
    assert "C  Cooperation" in result.output


def test_ask_json_gives_matches_best_first() -> None:
    result = runner.invoke(app, ["ask", "emergency", "drills", "with", "utilities", "--json", "--limit", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "emergency drills with utilities"
    assert len(data["matches"]) == 5
    assert data["matches"][0]["code"] == "P2S1"
    assert data["confident"] is True
    scores = [m["score"] for m in data["matches"]]
    assert scores == sorted(scores, reverse=True)
    fields = {"code", "title", "domain", "area", "stage", "score", "confident", "terms", "why", "reason"}
    assert set(data["matches"][0]) == fields
    assert data["matches"][0]["why"]  # the words that matched, e.g. "emergency drills"
    assert data["matches"][0]["reason"].startswith("mentions ")  # as the chat says it (ask.reason_terms)


def test_ask_says_which_hazard_it_read() -> None:
    result = runner.invoke(app, ["ask", "what", "should", "we", "do", "about", "floods?", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hazard"] == "floods"
    plain = runner.invoke(app, ["ask", "what", "should", "we", "do", "about", "floods?"])
    assert "hazard read: floods" in plain.output
    assert json.loads(runner.invoke(app, ["ask", "stakeholder mapping", "--json"]).output)["hazard"] == ""


def test_ask_says_so_when_nothing_matches() -> None:
    result = runner.invoke(app, ["ask", "tell me a joke"])
    assert result.exit_code == 0
    assert "No close match" in result.output or "No match" in result.output


def test_check_accepts_a_valid_file() -> None:
    result = runner.invoke(app, ["catalogue", "--check", str(default_path())])
    assert result.exit_code == 0
    assert "OK" in result.output and "96 actions" in result.output


def test_check_reports_file_line_and_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = default_path().read_text(encoding="utf-8")
    broken.write_text(text.replace("code: L1S2", "code: L1S1", 1), encoding="utf-8")
    result = runner.invoke(app, ["catalogue", "--check", str(broken)])
    assert result.exit_code == 1
    line = text[: text.index("code: L1S2")].count("\n") + 1
    assert f"{broken}, line {line}: duplicate code 'L1S1'" in result.output


def test_every_command_has_help() -> None:
    for command in app.registered_commands:
        assert command.callback is not None and command.callback.__doc__, command.name
        result = runner.invoke(app, [command.name or command.callback.__name__, "--help"])
        assert result.exit_code == 0


def test_the_command_line_loads_without_the_engine_or_telegram() -> None:
    eager = {"telegram", "conversations.engine", "sqlalchemy", "alembic"} & modules_loaded_by("import bot.cli")
    assert not eager, f"imported with bot.cli: {eager}"
