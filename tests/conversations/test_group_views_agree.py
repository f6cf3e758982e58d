"""The room, its chart and the XLSX Summary say the same numbers: they share one computation of group results."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.export import export_bytes
from catalogue import Catalogue
from conversations import Engine
from tests.conversations.test_workshops import coordinator, open_workshop
from tests.helpers.chat import Chat
from tests.helpers.workshops import join_only

NOT_SURE, NOT_STARTED = "?", "0"


def picks(catalogue: Catalogue, stage: str, **special: str) -> dict[str, str]:
    """Per area ``stage`` (or the area's first stage when it lacks it), except the ``special`` ones."""
    chosen = {}
    for area in catalogue.areas:
        codes = [s.code for s in catalogue.stages_of(area.code)]
        chosen[area.code] = stage if stage in codes or stage == NOT_STARTED else codes[0]
    return chosen | special


async def check_in(engine: Engine, catalogue: Catalogue, code: str, user: str, answers: dict[str, str]) -> Chat:
    """Join by link and answer the check-in area by area, stopping after the last area given."""
    chat = await join_only(engine, code, user)
    for area in catalogue.areas:
        if area.code not in answers:
            break  # stopped half-way
        choice = answers[area.code]
        if choice == NOT_SURE:
            await chat.press("checkin.not_sure")
        elif choice == NOT_STARTED:
            await chat.press("checkin.not_started")
        else:
            await chat.choose(catalogue.stage(choice).name)
    return chat


async def test_room_chart_and_xlsx_summary_agree(engine: Engine, catalogue: Catalogue) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    half = [area.code for area in catalogue.areas][:5]
    people = {
        "ana": picks(catalogue, "S", C2=NOT_SURE),
        "ben": picks(catalogue, "M"),
        "cleo": picks(catalogue, NOT_STARTED, I1=NOT_SURE),
        "dev": {k: v for k, v in picks(catalogue, "S").items() if k in half},  # stopped before P2
        "eva": picks(catalogue, "A"),
        "finn": {k: v for k, v in picks(catalogue, "M").items() if k in half[:2]},  # stopped after L2
    }
    for user, answers in people.items():
        await check_in(engine, catalogue, code, user, answers)

    await coord.command(f"/workshop {code}")
    chart_reply, room = coord.replies
    assert chart_reply.chart is not None
    chart = {area.code: area for area in chart_reply.chart.areas}
    rows = await engine.export_answers(workshop=code)
    not_started = coord.t("results.not_started")
    sheet = load_workbook(io.BytesIO(export_bytes(rows, "xlsx", catalogue=catalogue, not_started=not_started)))[
        "Summary"
    ]
    header = [cell.value for cell in sheet[1]]
    summary = {
        row["area"]: row
        for row in (dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True))
        if row["group"] == "workshop"
    }
    positions = {stage.name: number for number, stage in enumerate(catalogue.stages, start=1)} | {not_started: 0}

    # the numbers a person checks by hand
    assert (summary["I1"]["respondents"], summary["I1"]["unsure"]) == (3, 1)  # ana S, ben M, eva A; cleo unsure
    assert (summary["C2"]["respondents"], summary["C2"]["unsure"]) == (3, 1)  # ben M, cleo not started, eva A
    assert summary["C2"]["median_stage"] == catalogue.stage("M").name  # never "not started" for a Not sure
    assert summary["L1"]["respondents"] == 6 and summary["P2"]["respondents"] == 4  # dev and finn stopped before P2

    for area in catalogue.areas:
        row = summary[area.code]
        unsure = coord.t("group_results.unsure", count=row["unsure"]) if row["unsure"] else ""
        figures = coord.t(
            "group_results.figures",
            stage=row["median_stage"],
            low=row["lowest_stage"],
            high=row["highest_stage"],
            count=row["respondents"],
            unsure=unsure,
        )
        assert coord.t("group_results.area", area=area.code, figures=figures) in room.text.splitlines(), area.code
        bar = chart[area.code]
        assert bar.respondents == row["respondents"]
        assert (bar.reached, bar.low, bar.high) == tuple(
            positions[row[key]] for key in ("median_stage", "lowest_stage", "highest_stage")
        )
    listed = [line for line in room.text.splitlines() if line.startswith("  • ") and "(" in line]
    assert listed, room.text
    for line in listed:
        action_code, count = line.split()[1], line.rsplit("(", 1)[1].rstrip(")")
        assert f"{action_code} ({count})" in summary[catalogue.action(action_code).area]["next_actions"], line
    assert chart_reply.chart.subtitle.startswith(
        coord.t("group_results.chart_workshop", joined=6, finished=4, time="").rsplit(" · ", 1)[0]
    )
