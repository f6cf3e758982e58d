"""A city's own catalogue, given with --catalogue or CITYBOT_CATALOGUE (environment or .env), drives every command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import load_settings
from tests.helpers.cli import clear_settings, run_citybot

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings(monkeypatch, tmp_path)  # neither the developer's variables nor a stray .env


OWN = """\
catalogue: {id: floodcity, name: Flood City model, version: "2", source: the tests}
domains: [{code: W, name: Water safety}]
stages:
  - {code: S, name: Starting, description: First steps.}
  - {code: M, name: Moderate, description: Routine work.}
areas: [{code: W1, domain: W, title: Dikes and pumps}]
actions:
  - {code: W1S1, area: W1, stage: S, title: Inspect the dikes every spring, keywords: [levee, embankment]}
  - {code: W1M1, area: W1, stage: M, title: Automate the pumping stations}
"""


@pytest.fixture
def own_catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "floodcity.yaml"
    path.write_text(OWN, encoding="utf-8")
    return path


def test_chat_uses_the_given_catalogue(own_catalogue: Path, tmp_path: Path) -> None:
    chat = run_citybot(
        "chat",
        "--user",
        "ana",
        "--catalogue",
        str(own_catalogue),
        database_url=f"sqlite:///{tmp_path / 'own.db'}",
        lines=["1", "Dordrecht", "2", "/areas", "/ask levee inspection"],
    )
    assert chat.returncode == 0, chat.stderr
    assert "Water safety" in chat.stdout
    assert "W1S1" in chat.stdout and "Inspect the dikes every spring" in chat.stdout
    assert "Leadership & Governance" not in chat.stdout


def test_a_broken_catalogue_stops_the_bot_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(OWN.replace("area: W1, stage: M", "area: W9, stage: M"), encoding="utf-8")
    env = {"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35, "CITYBOT_CATALOGUE": str(broken)}
    result = runner.invoke(app, ["run"], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {broken}, line 9: action W1M1: unknown area 'W9'")
    assert result.stderr.count("\n") == 1


def test_the_setting_is_read_from_the_environment(own_catalogue: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYBOT_CATALOGUE", str(own_catalogue))
    assert load_settings().citybot_catalogue == own_catalogue


def test_chat_export_and_ask_take_the_catalogue_from_dotenv(
    own_catalogue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # were the default database used, it would be here
    (tmp_path / ".env").write_text(
        f"CITYBOT_CATALOGUE={own_catalogue}\nDATABASE_URL=sqlite:///{tmp_path / 'own.db'}\n", encoding="utf-8"
    )
    script = ["1", "Dordrecht", "2", "/assess", "1"]  # the first action, W1S1: Done
    chat = run_citybot("chat", "--user", "ana", database_url=None, cwd=tmp_path, lines=script)
    assert chat.returncode == 0, chat.stderr
    assert "Inspect the dikes every spring" in chat.stdout and "Leadership & Governance" not in chat.stdout

    export = run_citybot("export", "--format", "json", database_url=None, cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    [row] = json.loads(export.stdout)
    assert (row["city"], row["domain"], row["area"], row["action_code"], row["answer"]) == (
        "Dordrecht",
        "W",
        "W1",
        "W1S1",
        "done",
    )
    assert not (tmp_path / "data").exists()

    ask = runner.invoke(app, ["ask", "levee", "--json"])  # in this process, whose folder (tmp_path) has that .env
    assert ask.exit_code == 0, ask.output
    assert json.loads(ask.stdout)["matches"][0]["code"] == "W1S1"
