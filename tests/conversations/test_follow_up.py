"""Workshops in series: a follow-up workshop's room and chart show the earlier workshop's figures beside its own."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.export import write_export
from catalogue import Catalogue
from conversations import Engine
from tests.conversations.test_workshops import coordinator, join, open_workshop


async def test_a_follow_up_workshops_room_shows_both_workshops_figures_per_area(
    engine: Engine, catalogue: Catalogue
) -> None:
    coord = await coordinator(engine)
    spring = await open_workshop(coord, "Spring")
    for user in ("ana", "bo", "cy"):
        await join(engine, catalogue, spring, user, {"L1": "S", "P1": "M"})
    await coord.command("/workshop new Autumn")
    assert coord.said("follow_up.offer", name="Autumn")
    autumn = coord.replies[0].invitation.payload.removeprefix("ws_")  # type: ignore[union-attr]
    await coord.choose(spring)  # ↪️ <code> · Spring
    assert coord.said("follow_up.set", name="Autumn", earlier="Spring", code=spring)
    for user in ("di", "ed", "fe"):
        await join(engine, catalogue, autumn, user, {"L1": "M", "P1": "M"})

    await coord.command(f"/workshop {autumn}")
    starting, moderate = catalogue.stage("S").name, catalogue.stage("M").name
    now = coord.t("group_results.figures", stage=moderate, low=moderate, high=moderate, count=3, unsure="")
    then = coord.t("group_results.figures", stage=starting, low=starting, high=starting, count=3, unsure="")
    lines = coord.text.splitlines()
    assert coord.said("follow_up.room", name="Spring", code=spring)
    l1 = lines.index(coord.t("group_results.area", area="L1", figures=now))
    assert lines[l1 + 1] == coord.t("follow_up.area", code=spring, figures=then)  # the earlier figures, under it
    chart = next(reply.chart for reply in coord.replies if reply.chart is not None)
    bars = {area.code: area for area in chart.areas}
    assert (bars["L1"].reached, bars["L1"].earlier) == (2, 1)  # Moderate now, Starting in spring
    assert (bars["P1"].reached, bars["P1"].earlier) == (2, 2)
    assert chart.legend_earlier == coord.t("follow_up.chart_legend", code=spring)

    await coord.command(f"/workshop {spring}")  # the earlier one's room stays as it was
    assert not coord.said("follow_up.room")


async def test_the_command_line_opens_a_follow_up_with_after(engine: Engine, catalogue: Catalogue) -> None:
    first = await engine.coordination.create_workshop("Spring", city="Gent")
    second = await engine.coordination.create_workshop("Autumn", after=first.code)
    assert second.city == "Gent"  # the earlier workshop's city unless another is named
    coord = await coordinator(engine)
    await coord.command(f"/workshop {second.code}")
    assert coord.said("follow_up.room", name="Spring", code=first.code)


async def test_a_follow_ups_xlsx_summary_puts_the_earlier_workshops_figures_beside_its_own(
    engine: Engine, catalogue: Catalogue
) -> None:
    coord = await coordinator(engine)
    spring = await open_workshop(coord, "Spring")
    await join(engine, catalogue, spring, "ana", {"L1": "S"})
    autumn = (await engine.coordination.create_workshop("Autumn", after=spring)).code
    await join(engine, catalogue, autumn, "bo", {"L1": "M"})
    await coord.command(f"/export {autumn}")
    await coord.press("export.xlsx")
    [document] = [reply.export for reply in coord.replies if reply.export is not None]
    data = write_export(document)  # as the adapter writes what the chat sent
    sheet = load_workbook(io.BytesIO(data))["Summary"]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    summary = [dict(zip(header, row, strict=True)) for row in rows]
    [l1] = [row for row in summary if row["group"] == "workshop" and row["area"] == "L1"]
    assert (l1["median_stage"], l1["earlier_median_stage"]) == (catalogue.stage("M").name, catalogue.stage("S").name)
    assert l1["earlier_workshop"] == f"{spring} · Spring" and l1["earlier_respondents"] == 1
    city = [row for row in summary if row["group"] == "city"]
    assert city and all(row["earlier_workshop"] is None for row in city)  # only a follow-up has an earlier one
