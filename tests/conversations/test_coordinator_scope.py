"""Coordinators see their own: workshops opened or added to, cities granted; joining codes cannot be guessed."""

from __future__ import annotations

from catalogue import Catalogue
from conversations import Engine
from tests.conversations.test_workshops import join, open_workshop
from tests.helpers.chat import Chat


async def coordinator(engine: Engine, user: str, city: str | None, *, username: str | None = None) -> Chat:
    chat = Chat(engine, user, user.title(), username=username)
    await chat.onboard(city or "Gent")
    assert await engine.coordination.grant(chat.user_id, city=city)
    return chat


async def test_a_coordinator_sees_closes_and_exports_only_their_own(engine: Engine, catalogue: Catalogue) -> None:
    gent = await coordinator(engine, "greta", "Gent")
    antwerp = await coordinator(engine, "arno", "Antwerpen")
    code = await open_workshop(gent, "Gent day")
    await join(engine, catalogue, code, "ana", {"L1": "M"}, city="Gent")
    other = await open_workshop(antwerp, "Antwerp day")
    await join(engine, catalogue, other, "bram", {"L1": "S"}, city="Antwerpen")

    for attempt in (f"/workshop {code}", f"/export {code}"):
        await antwerp.command(attempt)
        assert antwerp.said("workshop.unknown", code=code, whole=True), attempt
    for choice in (f"wr:{code}", f"wg:{code}", f"we:{code}", f"wc:{code}:y", f"ex:csv:{code}"):
        await antwerp.choose_id(choice)
        assert antwerp.said("workshop.unknown", code=code, whole=True), choice
    [mine] = [w for w in await engine.coordination.workshops() if w.code == code]
    assert mine.status == "open"  # not closed by the other city's coordinator

    await antwerp.command("/workshop")
    assert antwerp.said("workshop.list_line", code=other) and not antwerp.said("workshop.list_line", code=code)
    await antwerp.command("/export")
    assert antwerp.said("export.choose", scope=antwerp.t("workshop_team.scope_cities", cities="Antwerpen"))
    await antwerp.press("export.csv")
    [reply] = antwerp.replies
    assert reply.export is not None and {row.city for row in reply.export.rows} == {"Antwerpen"}

    everywhere = await coordinator(engine, "wim", None)  # a grant without a city: every city
    await everywhere.command("/export")
    await everywhere.press("export.json")
    assert {row.city for row in everywhere.replies[0].export.rows} == {"Gent", "Antwerpen"}
    await everywhere.command(f"/workshop {code}")
    assert everywhere.said("workshop.room", code=code)


async def test_a_colleague_added_to_a_workshop_runs_it_too(engine: Engine, catalogue: Catalogue) -> None:
    gent = await coordinator(engine, "greta", "Gent")
    code = await open_workshop(gent)
    bea = Chat(engine, "bea", "Bea", username="Bea_Colleague")  # Telegram usernames: any case
    await bea.onboard("Brugge")
    assert await engine.coordination.grant("@bea_colleague", city="Brugge")
    await bea.command(f"/workshop {code}")
    assert bea.said("workshop.unknown", code=code, whole=True)
    await gent.command(f"/workshop {code} add @x!")
    assert gent.said("workshop_team.usage", code=code)
    await gent.command(f"/workshop {code} add @BEA_colleague")
    assert gent.said("workshop_team.added", username="bea_colleague")
    await gent.command(f"/workshop {code} add @bea_colleague")
    assert gent.said("workshop_team.already", username="bea_colleague")
    await bea.command(f"/workshop {code}")
    assert bea.said("workshop.room", code=code)
    await bea.command(f"/export {code}")
    assert bea.said("export.choose", scope=bea.t("export.scope_workshop", code=code))


async def test_a_grant_by_username_matches_whatever_the_case(engine: Engine) -> None:
    assert await engine.coordination.grant("@coord_two")
    chat = Chat(engine, "two", "Two", username="Coord_Two")
    await chat.onboard()
    await chat.command("/workshop")
    assert not chat.said("coordinators.only")
    [grant] = await engine.coordination.coordinators()
    assert grant.user_id == chat.user_id and grant.all_cities


async def test_a_coordinator_without_cities_exports_the_workshops_they_run(
    engine: Engine, catalogue: Catalogue
) -> None:
    solo = await coordinator(engine, "sol", "Gent")
    await engine.coordination.revoke(solo.user_id)
    assert await engine.coordination.grant(solo.user_id, city="Gent")
    code = await open_workshop(solo)
    assert await engine.coordination.revoke(solo.user_id)
    assert await engine.coordination.grant(solo.user_id, city="Leuven")  # a city without answers
    await solo.command("/export")
    assert solo.said("export.choose", scope=solo.t("workshop_team.scope_cities", cities="Leuven"))
    await solo.command(f"/workshop {code}")
    assert solo.said("workshop.room", code=code)  # opened by them: theirs whatever the cities


async def test_wrong_join_codes_are_limited_then_a_polite_wait(engine: Engine, catalogue: Catalogue) -> None:
    gent = await coordinator(engine, "greta", "Gent")
    code = await open_workshop(gent)
    guesser = Chat(engine, "gus", "Gus")
    await guesser.onboard("Gent")
    for guess in ("aaaaaa", "bbbbbb", "cccccc", "dddddd", "eeeeee"):
        await guesser.command(f"/join {guess}")
        assert guesser.said("workshop.join_unknown", code=guess)
    await guesser.command("/join ffffff")
    assert guesser.said("join_limit.wait") and not guesser.said("workshop.join_unknown")
    await guesser.command(f"/join {code}")  # even the right code waits: guessing learns nothing
    assert guesser.said("join_limit.wait") and not guesser.said("workshop.joined")


async def test_the_room_lists_real_questions_and_the_join_message_says_so(engine: Engine, catalogue: Catalogue) -> None:
    gent = await coordinator(engine, "greta", "Gent")
    code = await open_workshop(gent)
    ana = await join(engine, catalogue, code, "ana", {"L1": "M"})
    typed = ["show my name", "starting", "Not sure", "yes", "/help", "how do we train volunteers for floods"]
    for text in typed:
        await ana.say(text)
    await gent.command(f"/workshop {code}")
    assert not gent.said("workshop.room_questions")  # one participant: a question would be Ana's
    for user in ("ben", "cleo"):
        await join(engine, catalogue, code, user, {"L1": "S"})
    await gent.command(f"/workshop {code}")
    assert gent.said("workshop.room_question", question="how do we train volunteers for floods")
    listed = [line for line in gent.text.splitlines() if line.startswith("  • “")]
    assert len(listed) == 1, listed

    dora = Chat(engine, "dora", "Dora")
    await dora.onboard("Gent")
    await dora.command(f"/join {code}")
    assert dora.said("workshop_team.what_is_shown", minimum=3)
