"""Workshops on the engine: who may coordinate, joining by link, the room view, closing, combined results, /forget."""

from __future__ import annotations

import pytest

from catalogue import Catalogue
from conversations import Engine, Kind
from conversations.storage.models import Membership, Participant, Workshop
from tests.helpers.chat import Chat, count, rows
from tests.helpers.workshops import join_only


async def coordinator(engine: Engine, city: str = "Gent") -> Chat:
    """An onboarded official who is also a coordinator (granted as the command line does)."""
    chat = Chat(engine, "coord", "Cora Coordinator")
    await chat.onboard(city)
    assert await engine.coordination.grant(chat.user_id)
    return chat


async def open_workshop(chat: Chat, name: str = "Spring day") -> str:
    """``/workshop new NAME`` by a coordinator; returns the code."""
    await chat.command(f"/workshop new {name}")
    [reply] = chat.replies
    assert reply.invitation is not None and chat.said("workshop.created", name=name)
    return reply.invitation.payload.removeprefix("ws_")


async def join(
    engine: Engine, catalogue: Catalogue, code: str, user: str, stages: dict[str, str | None], city: str = "Gent"
) -> Chat:
    """A newcomer opens the join link, consents, names their city and role, and does the check-in."""
    chat = await join_only(engine, code, user, city)
    await chat.answer_check_in(catalogue, stages)
    assert chat.said("checkin.finished"), chat.text
    return chat


# --- roles -----------------------------------------------------------------------------------


async def test_officials_are_refused_every_coordinator_path_and_learn_nothing(
    engine: Engine, catalogue: Catalogue
) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    await join(engine, catalogue, code, "ana", {"L1": "M"})
    official = Chat(engine, "omar", "Omar")
    await official.onboard("Gent")
    stranger = Chat(engine, "sam", "Sam")  # never consented: nothing stored about them
    attempts = [
        (Kind.COMMAND, "/workshop"),
        (Kind.COMMAND, "/workshop new Hijack"),
        (Kind.COMMAND, f"/workshop {code}"),
        (Kind.COMMAND, "/workshop zzzzzz"),
        (Kind.COMMAND, "/export"),
        (Kind.COMMAND, f"/export {code}"),
        *((Kind.CHOICE, f"{prefix}:{code}") for prefix in ("wr", "wg", "we", "wc", "wb", "wp", "wn")),
        (Kind.CHOICE, f"wc:{code}:y"),
        (Kind.CHOICE, f"wh:{code}:1"),
        (Kind.CHOICE, f"wf:{code}:{code}"),
        (Kind.CHOICE, "ex:csv"),
        (Kind.CHOICE, f"ex:xlsx:{code}"),
        (Kind.CHOICE, "ex:json:zzzzzz"),
    ]
    for chat in (official, stranger):
        for kind, payload in attempts:
            replies = await chat.send(kind, payload)
            assert [r.text for r in replies] == [chat.t("coordinators.only")], (payload, chat.text)
            assert all(r.export is None and r.chart is None and r.invitation is None for r in replies)
    assert await count(engine, Participant) == 3  # the stranger was not stored
    [workshop] = await rows(engine, Workshop)
    assert (workshop.status, workshop.name) == ("open", "Spring day")


async def test_a_grant_by_username_binds_to_the_user_who_has_it(engine: Engine) -> None:
    assert await engine.coordination.grant("@Gent_Coordinator")
    ana = Chat(engine, "ana", "Ana", username="gent_coordinator")
    impostor = Chat(engine, "eve", "Eve", username="someone_else")
    await impostor.command("/workshop")
    assert impostor.said("coordinators.only", whole=True)
    [pending] = await engine.coordination.coordinators()
    assert (pending.user_id, pending.username) == (None, "gent_coordinator")
    await ana.command("/workshop")
    assert ana.said("workshop.none_open")
    [bound] = await engine.coordination.coordinators()
    assert (bound.user_id, bound.username) == (ana.user_id, "gent_coordinator")
    ana.username = "renamed"  # a later username change keeps the role: it is bound to the user now
    await ana.command("/workshop")
    assert ana.said("workshop.none_open")
    assert await engine.coordination.revoke("@gent_coordinator")
    await ana.command("/workshop")
    assert ana.said("coordinators.only", whole=True)


@pytest.mark.parametrize("who", ["42", "@ab", "console:", "not an id", "@" + "x" * 40])
async def test_grants_name_a_user_clearly(engine: Engine, who: str) -> None:
    """A bare ``42`` too: the engine knows no transport; the command line qualifies it (``telegram:42``)."""
    with pytest.raises(ValueError, match="Telegram user"):
        await engine.coordination.grant(who)


# --- a workshop from its link to the room view ------------------------------------------------


async def test_a_coordinator_opens_a_workshop_and_gets_its_join_link(engine: Engine) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord, "Gent spring workshop")
    [reply] = coord.replies
    assert reply.invitation.payload == f"ws_{code}" and len(reply.invitation.payload) <= 64
    assert coord.said("workshop.created", name="Gent spring workshop", code=code)
    [workshop] = await engine.coordination.workshops()
    assert (workshop.code, workshop.city, workshop.status, workshop.joined) == (code, "Gent", "open", 0)
    await coord.command("/workshop")
    assert coord.said("workshop.list_line", code=code, name="Gent spring workshop", joined=0)
    await coord.command("/workshop new")
    assert coord.said("workshop.name_invalid", whole=True)
    await coord.command("/workshop new " + "x" * 81)
    assert coord.said("workshop.name_invalid", whole=True)


async def test_a_newcomer_joins_by_link_and_the_room_counts_them(engine: Engine, catalogue: Catalogue) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    await coord.command(f"/workshop {code}")
    assert coord.said("workshop.room", joined=0, finished=0) and coord.said("workshop.room_no_answers")
    ana = Chat(engine, "ana", "Ana")
    await ana.command(f"/start ws_{code}")
    assert ana.said("onboarding.privacy")  # consent first: nothing is stored before it
    assert await count(engine, Membership) == 0
    await ana.press("onboarding.agree")
    await ana.say("Gent")
    await ana.press("onboarding.roles.resilience")
    [participant] = [p for p in await rows(engine, Participant) if p.user_id == ana.user_id]
    assert ana.said("workshop.joined", name="Spring day", pseudonym=participant.pseudonym)
    assert ana.said("checkin.intro") and ana.said("checkin.question", area="L1")
    await coord.command(f"/workshop {code}")
    assert coord.said("workshop.room", joined=1, finished=0)
    await ana.answer_check_in(catalogue, {"L1": "M"})
    await coord.command(f"/workshop {code}")
    assert coord.said("workshop.room", name="Spring day", code=code, joined=1, finished=1)
    # one participant: below the minimum group size, the room shows nothing that is Ana's answer
    assert coord.said("group_results.area", area="L1", figures=coord.t("group_results.figures_few", minimum=3))
    assert catalogue.stage("M").name not in coord.text
    [room] = coord.replies  # no chart either
    assert room.options and not room.replaces_previous
    await coord.press("workshop.chart")
    assert coord.said("group_results.chart_too_few", minimum=3)


async def test_an_official_already_set_up_joins_with_one_tap(engine: Engine, catalogue: Catalogue) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    omar = Chat(engine, "omar", "Omar")
    await omar.onboard("Gent")
    await omar.command(f"/start ws_{code}")
    assert omar.said("workshop.joined") and omar.said("checkin.question", area="L1")
    await omar.command(f"/join {code.upper()}")  # typed from the screen, in capitals: the same workshop
    assert omar.said("workshop.joined_again") and omar.said("checkin.question", area="L1")
    assert await count(engine, Membership) == 1


@pytest.mark.parametrize("code", ["zzzzzz", "closed"])
async def test_an_unknown_or_closed_workshop_gets_a_clear_sentence_and_the_usual_start(
    engine: Engine, code: str
) -> None:
    coord = await coordinator(engine)
    if code == "closed":
        code = await open_workshop(coord)
        await engine.coordination.close_workshop(code)
    omar = Chat(engine, "omar", "Omar")
    await omar.onboard("Gent")
    await omar.command(f"/start ws_{code}")
    assert omar.said("workshop.join_closed" if code != "zzzzzz" else "workshop.join_unknown")
    assert not omar.said("checkin.intro") and omar.pressable("menu.checkin")
    assert await count(engine, Membership) == 0


async def test_the_room_shows_median_spread_and_counts(engine: Engine, catalogue: Catalogue) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    people = {"ana": "S", "ben": "M", "cleo": "A", "dev": "M"}
    for user, stage in people.items():
        await join(engine, catalogue, code, user, {"L1": stage, "P1": "S"})
    helper = Chat(engine, "ana", "Ana")
    await helper.say("how do we fund flood defences")
    await coord.command(f"/workshop {code}")
    starting, moderate, advanced = (catalogue.stage(s).name for s in "SMA")
    assert coord.said("workshop.room", joined=4, finished=4)
    l1_words = coord.t("group_results.figures", stage=moderate, low=starting, high=advanced, count=4, unsure="")
    p1_words = coord.t("group_results.figures", stage=starting, low=starting, high=starting, count=4, unsure="")
    assert coord.said("group_results.area", area="L1", figures=l1_words)
    assert coord.said("group_results.area", area="P1", figures=p1_words)
    assert coord.said("workshop.room_question", question="how do we fund flood defences")
    assert coord.said("workshop.room_action", count=4)  # an action next for all four (e.g. of P1's Moderate)
    chart = coord.replies[0].chart
    l1 = next(area for area in chart.areas if area.code == "L1")
    assert (l1.reached, l1.low, l1.high, l1.respondents) == (2, 1, 3, 4)
    assert chart.subtitle.startswith(
        coord.t("group_results.chart_workshop", joined=4, finished=4, time="").split(" · ")[0]
    )
    assert coord.replies[0].room_chart  # the room's own chart, which Refresh replaces
    await join(engine, catalogue, code, "eli", {"L1": "R"})
    chart_now, room_now = await coord.choose_id(f"wr:{code}")  # 🔄 Refresh: the chart again, then the room
    assert room_now.replaces_previous and coord.said("workshop.room", joined=5, finished=5)
    assert chart_now.room_chart and not chart_now.replaces_previous and chart_now.chart is not None
    assert coord.expected.whole(chart_now.chart.subtitle, "group_results.chart_workshop", joined=5, finished=5)
    assert next(a for a in chart_now.chart.areas if a.code == "L1").respondents == 5
    [extra] = await coord.choose_id(f"wg:{code}")  # 📊 Chart: one more chart, not the room's
    assert extra.chart is not None and not extra.room_chart


async def test_closing_keeps_late_answers_out_of_the_workshop(engine: Engine, catalogue: Catalogue) -> None:
    engine.min_group_size = 1  # two participants: every figure shown, to see which answers count
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    await join(engine, catalogue, code, "ana", {"L1": "S"})
    late = Chat(engine, "ben", "Ben")
    await late.command(f"/start ws_{code}")
    await late.press("onboarding.agree")
    await late.say("Gent")
    await late.press("onboarding.roles.resilience")
    await late.choose(catalogue.stage("R").name)  # L1, before the workshop closes
    await coord.command(f"/workshop {code}")
    await coord.press("workshop.close")
    assert coord.said("workshop.close_confirm", name="Spring day")
    await coord.press("workshop.close_yes")
    assert coord.said("workshop.closed", name="Spring day", joined=2, finished=1)
    await late.choose(catalogue.stage("A").name)  # L2, after closing
    assert late.said("workshop.late_answer", name="Spring day")
    await late.choose(catalogue.stage("A").name)  # L3: said once only
    assert not late.said("workshop.late_answer")
    await coord.command(f"/workshop {code}")
    assert coord.said("workshop.room", status=coord.t("workshop.status_closed"), joined=2)
    robust = catalogue.stage("R").name
    starting = catalogue.stage("S").name
    l1 = coord.t("group_results.figures", stage=starting, low=starting, high=robust, count=2, unsure="")
    assert coord.said("group_results.area", area="L1", figures=l1)
    l2 = coord.t("group_results.figures", stage=coord.t("results.not_started"), low=coord.t("results.not_started"),
                 high=coord.t("results.not_started"), count=1, unsure="")  # fmt: skip
    assert coord.said(
        "group_results.area", area="L2", figures=l2
    )  # Ana's "not started"; Ben's later L2 answer stays out
    rows_ = await engine.export_answers(workshop=code)
    assert {row.area for row in rows_ if row.participant != rows_[0].participant} == {"L1"}
    everything = await engine.export_answers()
    ben_l2 = [row for row in everything if row.area == "L2" and row.participant != rows_[0].participant]
    assert ben_l2 and all(row.workshop == "" for row in ben_l2)  # kept for Ben and Gent, not the workshop
    await coord.command(f"/workshop {code}")
    assert not coord.pressable("workshop.close")


# --- combined results -------------------------------------------------------------------------


async def test_results_show_my_answers_and_my_citys_combined_view(engine: Engine, catalogue: Catalogue) -> None:
    ana = Chat(engine, "ana", "Ana")
    await ana.onboard("Gent")
    await ana.command("/checkin")
    await ana.answer_check_in(catalogue, {"L1": "S"})
    await ana.command("/results")
    assert ana.said("results.title", city="Gent") and not ana.said("combined.city_title")
    for user, stage in (("ben", "M"), ("cleo", "A")):
        colleague = Chat(engine, user, user.title())
        await colleague.onboard("Gent")
        await colleague.command("/checkin")
        await colleague.answer_check_in(catalogue, {"L1": stage})
    other_city = Chat(engine, "dora", "Dora")
    await other_city.onboard("Torino")
    await other_city.command("/checkin")
    await other_city.answer_check_in(catalogue, {"L1": "R"})
    await ana.command("/results")
    starting, moderate, advanced = (catalogue.stage(s).name for s in "SMA")
    assert ana.said("results.title", city="Gent")
    assert ana.said("combined.city_title", city="Gent", count=3)
    l1 = ana.t("group_results.figures", stage=moderate, low=starting, high=advanced, count=3, unsure="")
    assert ana.said("group_results.area", area="L1", figures=l1)
    assert "Ben" not in ana.text and "Cleo" not in ana.text  # aggregates only
    own_chart = ana.replies[0].chart
    assert own_chart is not None and ana.t("combined.chart_subtitle", count=1, date="") in own_chart.subtitle + ""
    await ana.press("combined.city_chart", city="Gent")
    [city_chart] = ana.replies
    assert city_chart.chart.title == ana.t("combined.chart_city", city="Gent")
    l1 = next(area for area in city_chart.chart.areas if area.code == "L1")
    assert (l1.reached, l1.low, l1.high, l1.respondents) == (2, 1, 3, 3)


# --- exports in the chat ----------------------------------------------------------------------


async def test_export_offers_formats_and_returns_the_rows(engine: Engine, catalogue: Catalogue) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    await join(engine, catalogue, code, "ana", {"L1": "M"})
    await coord.command("/export")
    assert coord.said("export.choose", scope="")
    assert [o.choice for o in coord.options] == ["ex:xlsx", "ex:csv", "ex:json"]
    await coord.press("export.xlsx")
    [reply] = coord.replies
    assert reply.export is not None and reply.export.fmt == "xlsx" and reply.export.filename.endswith(".xlsx")
    assert len(reply.export.rows) == len(catalogue.actions) * 1
    assert coord.said("export.ready", count=len(catalogue.actions), scope="")
    await coord.command(f"/export {code}")
    await coord.press("export.csv")
    assert coord.replies[0].export.filename.startswith(f"citybot-{code}-")
    assert {row.workshop for row in coord.replies[0].export.rows} == {code}


async def test_a_participant_may_show_their_name(engine: Engine, catalogue: Catalogue) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    ana = await join(engine, catalogue, code, "ana", {"L1": "M"})
    rows_ = await engine.export_answers()
    assert {row.name for row in rows_} == {""} and rows_[0].participant.startswith("P-")
    await ana.choose_id("sn:y")
    assert ana.said("workshop.name_shared", name="Ana")
    assert {row.name for row in await engine.export_answers()} == {"Ana"}
    await ana.press("workshop.hide_name")
    assert {row.name for row in await engine.export_answers()} == {""}


# --- /forget -----------------------------------------------------------------------------------


async def test_forget_removes_the_person_from_workshops_aggregates_and_exports(
    engine: Engine, catalogue: Catalogue
) -> None:
    engine.min_group_size = 1  # two participants: every figure shown, to see Ana's go
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    ana = await join(engine, catalogue, code, "ana", {"L1": "A"})
    await join(engine, catalogue, code, "ben", {"L1": "S"})
    await coord.command(f"/workshop {code}")
    advanced, starting = catalogue.stage("A").name, catalogue.stage("S").name
    l1 = coord.t("group_results.figures", stage=starting, low=starting, high=advanced, count=2, unsure="")
    assert coord.said("workshop.room", joined=2) and coord.said("group_results.area", area="L1", figures=l1)
    await ana.command("/forget")
    await ana.press("privacy.forget_yes")
    assert ana.replies[0].forgotten
    await coord.command(f"/workshop {code}")
    assert coord.said("workshop.room", joined=1, finished=1)
    l1 = coord.t("group_results.figures", stage=starting, low=starting, high=starting, count=1, unsure="")
    assert coord.said("group_results.area", area="L1", figures=l1)
    exported = await engine.export_answers()
    assert len({row.participant for row in exported}) == 1 and len(exported) == len(catalogue.actions)
    assert await count(engine, Membership) == 1
