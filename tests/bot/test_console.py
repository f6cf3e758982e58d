"""The console chat: in-process with text streams, and as `citybot chat` driven through a pipe."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.console import run_console
from catalogue import Catalogue, answers_for_stage
from conversations import Engine, Texts
from tests.helpers.cli import run_citybot


async def converse(engine: Engine, lines: list[str], hint: str = "") -> str:
    stdout = io.StringIO()
    await run_console(
        engine, user="ana", stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=stdout, hint=hint
    )
    return stdout.getvalue()


async def test_options_are_numbered_and_numbers_pick_them(engine: Engine) -> None:
    output = await converse(
        engine, ["1", "Leeds", "2", "/results", "9", "", "how do we start a resilience plan"], hint="HINT"
    )
    t = engine.texts.get
    welcome = t("onboarding.welcome").splitlines()[0]  # its first line has no fields
    assert output.startswith("HINT\n\n" + t("console.banner") + "\n\n" + welcome)
    assert f"[1] {t('onboarding.agree')}\n[2] {t('onboarding.decline')}\n" in output
    assert "\n> " in output
    assert t("onboarding.city_saved", city="Leeds") in output
    assert t("onboarding.role_saved", role=t("onboarding.roles.resilience")) in output
    assert t("results.empty") in output
    assert t("console.no_such_option", number=9) in output
    assert "L4M1" in output
    assert output.endswith("> \n")  # a clean end at end of input


async def test_results_save_the_chart_as_a_png_file(engine: Engine, catalogue: Catalogue, tmp_path: Path) -> None:
    stdout = io.StringIO()
    lines = ["1", "Leeds", "2", "/checkin"] + ["2"] * len(catalogue.areas)
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    await run_console(engine, user="ana b", stdin=stdin, stdout=stdout, chart_folder=tmp_path / "charts")
    chart = tmp_path / "charts" / "results-ana_b.png"
    assert engine.texts.get("console.chart", path=str(chart)) in stdout.getvalue()
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_citybot_chat_through_a_pipe_then_export(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # where the chart goes, instead of ~/.cache
    database_url = f"sqlite:///{tmp_path / 'pipe.db'}"
    script = ["1", "Leeds", "2", "/checkin"] + ["2"] * len(catalogue.areas)
    chat = run_citybot("chat", "--user", "ana", database_url=database_url, lines=script)
    assert chat.returncode == 0, chat.stderr
    t = Texts.load().get
    assert t("checkin.finished") in chat.stdout and t("results.title", city="Leeds") in chat.stdout
    charts = list((tmp_path / "cache").rglob("*.png"))  # the chart went to the user's cache folder
    assert len(charts) == 1 and t("console.chart", path=str(charts[0])) in chat.stdout
    assert chat.stderr == ""

    export = run_citybot("export", "--format", "json", database_url=database_url)
    assert export.returncode == 0, export.stderr
    rows = json.loads(export.stdout)
    expected: dict[str, str] = {}
    for area in catalogue.areas:  # option [2] is the first stage of each area
        expected |= answers_for_stage(catalogue, area.code, catalogue.stages_of(area.code)[0].code)
    assert {row["action_code"]: row["answer"] for row in rows} == expected
    assert len(rows) == len(expected)
    assert {(row["city"], row["assessment_kind"]) for row in rows} == {("Leeds", "checkin")}
    assert len({row["participant"] for row in rows}) == 1  # one participant, by pseudonym
    assert rows[0].keys() >= {"domain", "area", "stage", "note", "answered_at"}
