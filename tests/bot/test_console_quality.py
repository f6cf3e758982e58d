"""Console and command-line points: /mydata writes its file, quitting, labels as input, numbers that stay; CLI edges."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.console import run_console
from catalogue import Catalogue
from conversations import Engine
from tests.helpers.cli import citybot_command, run_citybot

SETUP = ["1", "Leeds", "2"]
"""Consent, the city, the second role."""


async def converse(engine: Engine, lines: list[str], folder: Path) -> str:
    stdout = io.StringIO()
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    await run_console(engine, user="ana", stdin=stdin, stdout=stdout, chart_folder=folder / "charts")
    return stdout.getvalue()


async def test_mydata_writes_the_file_and_prints_its_path(engine: Engine, tmp_path: Path) -> None:
    output = await converse(engine, [*SETUP, "/mydata"], tmp_path)
    [saved] = list((tmp_path / "files").iterdir())
    assert engine.texts.get("console.attachment", path=str(saved)) in output
    assert json.loads(saved.read_bytes())  # the whole export, readable
    await converse(engine, ["/forget", "1"], tmp_path)
    assert list((tmp_path / "files").iterdir()) == []  # /forget deletes it too


async def test_the_banner_says_how_to_quit_and_quit_ends_at_once(engine: Engine, tmp_path: Path) -> None:
    output = await converse(engine, [*SETUP, "/quit", "/results"], tmp_path)
    assert engine.texts.get("console.banner") in output
    assert engine.texts.get("results.empty") not in output  # nothing after /quit ran
    assert output.endswith("> \n")


async def test_typing_an_options_words_picks_it(engine: Engine, catalogue: Catalogue, tmp_path: Path) -> None:
    t = engine.texts.get
    output = await converse(engine, [*SETUP, "/assess", "done", "NOT SURE"], tmp_path)
    title = catalogue.action("L1S1").title
    assert t("assessment.answered", code="L1S1", title=title, answer=t("answers.done")) in output
    title = catalogue.action("L1S2").title
    assert t("assessment.answered", code="L1S2", title=title, answer=t("answers.unknown")) in output


async def test_a_question_typed_while_a_button_question_waits_keeps_its_numbers(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    t = engine.texts.get
    # the check-in's L1 question waits; the typed question's buttons come after its options
    output = await converse(engine, [*SETUP, "/checkin", "how do we start a resilience plan", "3"], tmp_path)
    asked = output[output.index(t("ask.pending")) :]
    assert "[1] " not in asked.split("\n> ")[0]  # the answer's buttons do not take [1]...
    assert (
        t("checkin.answered", area="L1", area_title=catalogue.area("L1").title, stage=catalogue.stage("M").name)
        in output
    )


def test_ctrl_c_ends_the_chat_at_once(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    with subprocess.Popen(
        [*citybot_command(), "chat", "--user", "ana"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        text=True,
    ) as process:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        seen = ""
        while "[2]" not in seen and time.monotonic() < deadline:  # the welcome and its buttons are shown
            seen += process.stdout.readline()
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)  # stdin stays open: the chat must not wait for a line
        started = time.monotonic()
        try:
            _, errors = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert time.monotonic() - started < 5
        assert process.returncode in (0, 130), errors
        assert "Traceback" not in errors


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("citybot ")


def test_export_to_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_citybot("export", "-o", "/no/such/dir/a.csv", database_url=f"sqlite:///{tmp_path / 'e.db'}")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "/no/such/dir/a.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_json_includes_the_words_that_matched() -> None:
    result = CliRunner().invoke(app, ["ask", "emergency", "drills", "--json"])
    match = json.loads(result.output)["matches"][0]
    assert match["terms"] and all(isinstance(term, str) for term in match["terms"])
