"""A city over time: its combined view now, and under each area how it stood at an earlier date."""

from __future__ import annotations

from datetime import UTC, datetime

from catalogue import Catalogue
from conversations import Engine
from conversations.reminders import ReminderTimes, months_later
from tests.conversations.test_rounds import backdate
from tests.helpers.chat import Chat


async def test_the_citys_view_is_compared_with_how_it_stood_months_ago(engine: Engine, catalogue: Catalogue) -> None:
    officials = []
    for user in ("ana", "bo", "cy"):
        chat = Chat(engine, user, user.title())
        await chat.onboard("Gent")
        await chat.command("/checkin")
        await chat.answer_check_in(catalogue, {"L1": "S"})
        officials.append(chat)
    await backdate(engine, 200)  # those check-ins were half a year ago
    for chat in officials:
        await chat.command("/checkin")
        await chat.answer_check_in(catalogue, {"L1": "M"})
    ana = officials[0]
    await ana.command("/results")
    await ana.press("city_over_time.button")
    await ana.press("city_over_time.months_ago", months=3)
    date = months_later(datetime.now(UTC), -3, ReminderTimes()).date().isoformat()
    assert ana.said("city_over_time.title", city="Gent", date=date, now=3, then=3)
    starting, moderate = catalogue.stage("S").name, catalogue.stage("M").name
    now = ana.t("group_results.figures", stage=moderate, low=moderate, high=moderate, count=3, unsure="")
    then = ana.t("group_results.figures", stage=starting, low=starting, high=starting, count=3, unsure="")
    lines = ana.text.splitlines()
    l1 = lines.index(ana.t("group_results.area", area="L1", figures=now))
    assert lines[l1 + 1] == ana.t("follow_up.area", code=date, figures=then)

    await ana.choose_id("ct:12")  # a year ago nobody had answered: no figures then, and it says so
    lines = ana.text.splitlines()
    l1 = lines.index(ana.t("group_results.area", area="L1", figures=now))
    assert lines[l1 + 1].endswith(ana.t("follow_up.none"))
