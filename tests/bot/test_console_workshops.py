"""Workshops in the console chat: the join command, saved group charts and exports, and /forget deleting charts."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader

from bot.console import ConsoleChat, run_console
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


async def test_a_console_coordinator_saves_the_poster_and_the_pdf_report(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    await engine.coordination.grant("console:cora")
    info = await engine.coordination.create_workshop("Day one", city="Gent")
    typed = io.StringIO(f"1\nGent\n1\n/workshop {info.code}\n🖨 Poster\n/export {info.code}\n📄 PDF report\n")
    shown = io.StringIO()
    await run_console(
        engine, user="cora", stdin=typed, stdout=shown, chart_folder=tmp_path / "charts", bot_username="gent_bot"
    )
    files = sorted(path.name for path in (tmp_path / "files").iterdir())
    assert files[0].startswith(f"citybot-{info.code}-poster") and files[1].startswith(f"citybot-{info.code}-report")
    poster = PdfReader(tmp_path / "files" / files[0]).pages[0].extract_text()
    assert f"https://t.me/gent_bot?start=ws_{info.code}" in poster and "Day one" in poster
