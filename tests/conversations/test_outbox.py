"""The outbox: replies kept with the update until the adapter has sent them, given again to a redelivery until then."""

from __future__ import annotations

import dataclasses

from catalogue import Catalogue
from conversations import (
    Attachment,
    ChartArea,
    ChartDomain,
    Engine,
    ExportRow,
    GroupReport,
    Incoming,
    Invitation,
    Kind,
    MaturityChart,
    Option,
    Poster,
    Reply,
    ReportSection,
    outbox,
)
from conversations.export_rows import answer_export


def incoming(payload: str, update_id: str, kind: Kind = Kind.COMMAND, **fields: object) -> Incoming:
    return Incoming(
        user_id="telegram:9", chat_id="telegram:9", kind=kind, payload=payload, update_id=update_id, outbox=True,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_a_redelivered_update_gets_its_replies_again_until_they_are_reported_sent(engine: Engine) -> None:
    first = await engine.handle(incoming("/help", "7"))
    assert first and await engine.handle(incoming("/help", "7")) == first  # the crash came before they went out
    await engine.replies_sent("7")
    assert await engine.handle(incoming("/help", "7")) == []  # sent: a redelivery changes and shows nothing


async def test_without_an_outbox_a_redelivery_gets_nothing(engine: Engine) -> None:
    plain = dataclasses.replace(incoming("/help", "8"), outbox=False)
    assert await engine.handle(plain)
    assert await engine.handle(plain) == []


def test_every_kind_of_reply_survives_the_round_trip_through_json(catalogue: Catalogue) -> None:
    chart = MaturityChart(
        title="Torino",
        stages=("Starting", "Moderate"),
        domains=(ChartDomain("L", "Leadership", (ChartArea("L1", "Plan", 1, 2, 0.5, "Starting", 0, 2, 3),)),),
        legend_reached="reached",
        legend_next="next",
    )
    row = ExportRow(
        "=Torino", "P-1", "", "", "", "", 1, "full", 1, "L", "L1", "Plan", "S", "Starting", "L1S1", "A plan", "done",
        False, "", "2026-12-01T09:30:00+00:00",
    )  # fmt: skip
    export = answer_export((row,), "xlsx", filename="answers.xlsx", catalogue=catalogue)
    assert export.summary and export.actions  # a workbook's sheets travel as plain data
    replies = [
        Reply("a <b>question</b>", (Option("Done", "q1:L1S1:d"), Option("Back", "q1:L1S1:b")), columns=2),
        Reply("done", replaces_previous=True),
        Reply("chart", chart=chart),
        Reply("the room's chart", chart=chart, room_chart=True),
        Reply("file", attachment=Attachment("data.json", b"\x00\xff{}", is_image=False)),
        Reply("join", invitation=Invitation("ws_ab12")),
        Reply("export", export=export),
        Reply("bye", forgotten=True),
        Reply("poster", poster=Poster("Día", "ab12cd", "ws_ab12cd", "Join", "Scan", "Code: ab12cd", "/join", "p.pdf")),
        Reply(
            "report",
            report=GroupReport(
                "r.pdf",
                "Report",
                ("Gent",),
                chart,
                "Chart",
                "Table",
                ("Area", "Median"),
                (("L · Leadership",), ("L1 Plan", "Starting")),
                "note",
                (ReportSection("Next", ("L1S1 Plan (3)",), "how many"), ReportSection("Catalogue", bullets=False)),
                "Page {page}",
            ),
        ),
    ]
    assert outbox.decode(outbox.encode(replies)) == replies
