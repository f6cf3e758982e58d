"""A city's own catalogue file, given with --catalogue or CITYBOT_CATALOGUE, drives every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.telegram import load_settings
from tests.helpers.cli import run_citybot

runner = CliRunner()

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


def test_the_setting_is_read_from_the_environment(own_catalogue: Path) -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35, "CITYBOT_CATALOGUE": str(own_catalogue)}, None
    )
    assert settings.catalogue_path == own_catalogue
