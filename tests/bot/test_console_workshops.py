"""Workshops in the console chat: the join command, saved group charts and exports, and /forget deleting charts."""

from __future__ import annotations

import json
from pathlib import Path

from bot.console import ConsoleChat
from catalogue import Catalogue
from conversations import Engine, Texts


async def say(chat: ConsoleChat, *lines: str) -> None:
    for line in lines:
        incoming = chat.incoming(line)
        assert incoming is not None
        await chat.send(incoming)


async def test_a_workshop_in_the_console_from_the_join_command_to_forget(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    engine.min_group_size = 1  # one participant, and still a group chart to save
    t = Texts.load().get
    out: list[str] = []
    charts = tmp_path / "charts"
    cora = ConsoleChat(engine, "cora", out.append, chart_folder=charts)
    ana = ConsoleChat(engine, "ana", out.append, chart_folder=charts)
    assert await engine.coordination.grant(cora.user_id)
    await say(cora, "/start", "1", "Gent", "2", "/workshop new Spring day")
    [workshop] = await engine.coordination.workshops()
    assert t("console.invitation", payload=f"ws_{workshop.code}") + "\n" in out

    await say(ana, f"/start ws_{workshop.code}", "1", "Gent", "2", *["3"] * len(catalogue.areas))
    assert t("checkin.finished") + "\n" in out
    await say(cora, f"/workshop {workshop.code}", "3", "1")  # the room's chart; ⬇️ Export; 📗 Excel
    group_chart = charts / "group-cora.png"
    assert group_chart.read_bytes().startswith(b"\x89PNG")
    [export] = (tmp_path / "files").glob(f"citybot-{workshop.code}-*.xlsx")
    assert t("console.export", path=str(export)) + "\n" in out
    await say(ana, "/results")
    assert (charts / "results-ana.png").exists()

    await say(ana, "/forget", "1")
    assert not (charts / "results-ana.png").exists()
    assert not group_chart.exists()  # a group chart counted Ana: it goes too, and is drawn afresh when asked
    assert json.loads(json.dumps(await engine.export_answers())) == []
