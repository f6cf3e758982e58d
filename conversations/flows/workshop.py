"""Workshops and exports in the chat: ``/workshop``, ``/export``, the room view, joining by link.

Every coordinator path checks the role in the engine, by :func:`coordinators_only`, the guard
``conversations/routes.py`` puts on each of their commands and buttons: a command or a button
(whatever its callback data) from anyone else gets the same polite refusal, which says nothing about whether a
workshop or an answer exists. Coordinators are scoped: each sees, closes and exports only the
workshops they opened or were added to (``/workshop CODE add @colleague``) and those of the
cities granted to them; any other code gets the sentence an unknown code gets. Joining
(``/start ws_<code>``) is for everyone who has consented.
"""

from __future__ import annotations

import math
from datetime import timedelta

from conversations import export_rows as exports
from conversations import group_words, report, screen, workshop_codes
from conversations.choices import Close, Export, FollowUp, Hide, Prefix, ShareName, navigation_choice
from conversations.flows.menu import main_menu
from conversations.flows.onboarding import onboarded
from conversations.group_results import GroupResult
from conversations.messages import ExportFormat, Invitation, Option, Reply
from conversations.stores import (
    Assessment,
    AssessmentKind,
    City,
    CoordinatorScope,
    Workshop,
    WorkshopStatus,
)
from conversations.times import utcnow
from conversations.turn import Turn

REPORT_FORMAT = "pdf"
"""``/export CODE`` also offers the workshop's PDF report (``bot.report`` lays it out)."""
LIST_LIMIT = 10
COMMON_NEXT = 5
"""How many of the most common next steps the room view lists."""
QUESTIONS = 5
"""How many of the latest questions the room view lists."""
QUESTION_CHARS = 100
JOIN_MISSES = 5
JOIN_WINDOW = timedelta(minutes=1)
"""Wrong workshop codes a person may try per minute; then a polite wait (31^6 codes cannot be guessed at 5/min)."""
CHECKIN = "checkin"
"""Where joining leads: the quick check-in, which continues the one just linked to the workshop."""


async def is_coordinator(turn: Turn) -> bool:
    incoming = turn.incoming
    return await turn.workshops.is_coordinator(user_id=incoming.user_id, username=incoming.username)


async def scope_of(turn: Turn) -> CoordinatorScope | None:
    """What this coordinator may see (``None``: not a coordinator)."""
    incoming = turn.incoming
    return await turn.workshops.scope(user_id=incoming.user_id, username=incoming.username)


def refusal(turn: Turn) -> list[Reply]:
    return [turn.say("coordinators.only")]


async def coordinators_only(turn: Turn) -> list[Reply] | None:
    """The guard of the coordinators' commands and buttons: the polite refusal for anyone else."""
    return None if await is_coordinator(turn) else refusal(turn)


# --- /workshop -------------------------------------------------------------------------------


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/workshop``, ``/workshop new NAME``, ``/workshop CODE``: for coordinators (``routes`` guards it)."""
    verb, _, rest = argument.partition(" ")
    if verb.lower() == "new":
        return await create(turn, rest.strip())
    if not argument:
        return await overview(turn)
    action, _, colleague = rest.strip().partition(" ")
    if action.lower() == "add":
        return await add_colleague(turn, verb, colleague.strip())
    workshop = await find(turn, argument)
    if workshop is None:
        return [turn.say("workshop.unknown", code=argument[:20])]
    return await room_view(turn, workshop)


async def find(turn: Turn, text: str) -> Workshop | None:
    """The workshop with this code if this coordinator runs it (opened, added to, or of a city granted)."""
    code = workshop_codes.parse_code(text)
    workshop = await turn.workshops.by_code(code) if code else None
    if workshop is None:
        return None
    scope = await scope_of(turn)
    if scope is None or not await turn.workshops.runs(scope, workshop):
        return None  # the same answer as an unknown code: a coordinator learns nothing of others' workshops
    return workshop


async def add_colleague(turn: Turn, code: str, who: str) -> list[Reply]:
    """``/workshop CODE add @colleague``: a co-coordinator, who then sees, closes and exports it too."""
    workshop = await find(turn, code)
    if workshop is None:
        return [turn.say("workshop.unknown", code=code[:20])]
    username = workshop_codes.parse_username(who)
    if username is None:
        return [turn.say("workshop_team.usage", code=workshop.code)]
    added = await turn.workshops.add_coordinator(workshop, username=username)
    key = "workshop_team.added" if added else "workshop_team.already"
    return [turn.say(key, username=username, name=workshop.name, code=workshop.code)]


async def overview(turn: Turn) -> list[Reply]:
    """The open workshops this coordinator runs, each a button to its room view."""
    scope = await scope_of(turn)
    workshops = [
        workshop
        for workshop in await turn.workshops.all(status=WorkshopStatus.OPEN)
        if scope is not None and await turn.workshops.runs(scope, workshop)
    ]
    if not workshops:
        return [turn.say("workshop.none_open"), turn.say("workshop.usage")]
    lines = [turn.t("workshop.list_title")]
    buttons = []
    for workshop in workshops[:LIST_LIMIT]:
        joined, _ = await turn.workshops.counts(workshop)
        lines.append(turn.t("workshop.list_line", code=workshop.code, name=workshop.name, joined=joined))
        buttons.append(Option(f"{workshop.code} · {workshop.name}"[:40], navigation_choice(Prefix.ROOM, workshop.code)))
    return [Reply("\n".join(lines), options=tuple(buttons)), turn.say("workshop.usage")]


async def create(turn: Turn, name: str) -> list[Reply]:
    """``/workshop new NAME``: open a workshop in the coordinator's city; reply with its code, link and QR code."""
    if not name or len(name) > workshop_codes.MAX_NAME_LENGTH:
        return [turn.say("workshop.name_invalid", limit=workshop_codes.MAX_NAME_LENGTH)]
    participant = turn.participant
    city = await turn.cities.by_id(participant.city_id) if participant else None
    workshop = await turn.workshops.create(name=name, city=city, created_by=turn.incoming.user_id)
    text = turn.t("workshop.created", name=workshop.name, code=workshop.code)
    invitation = Invitation(workshop_codes.join_payload(workshop.code))
    replies = [Reply(text, options=room_buttons(turn, workshop), columns=2, invitation=invitation)]
    scope = await scope_of(turn)
    earlier = [
        w
        for w in await turn.workshops.all()
        if w.id != workshop.id
        and w.city_id == (city.id if city else None)
        and scope is not None
        and await turn.workshops.runs(scope, w)
    ]
    if earlier:  # the city's earlier workshops: this one may follow one up, to compare them area by area
        options = tuple(
            Option(f"↪️ {w.code} · {w.name}"[:40], FollowUp(workshop.code, w.code).pack())
            for w in earlier[:FOLLOW_UP_OFFERS]
        )
        replies.append(turn.say("follow_up.offer", name=workshop.name, options=options))
    return replies


FOLLOW_UP_OFFERS = 5
"""The city's latest earlier workshops a new one is offered to follow up."""


async def follow_up(turn: Turn, choice: FollowUp) -> list[Reply]:
    """``wf:<new>:<earlier>``: the new workshop follows up the earlier one (its room shows both, area by area)."""
    code, earlier_code = choice.code, choice.earlier
    workshop, earlier = await find(turn, code), await find(turn, earlier_code)
    if workshop is None or earlier is None or workshop.id == earlier.id:
        return [turn.say("workshop.unknown", code=(earlier_code or code)[:20])]
    turn.workshops.follow_up(workshop, earlier)
    return [
        Reply(
            turn.t("follow_up.set", name=workshop.name, earlier=earlier.name, code=earlier.code), replaces_previous=True
        )
    ]


def room_buttons(turn: Turn, workshop: Workshop) -> tuple[Option, ...]:
    buttons = [
        Option(turn.t("workshop.refresh"), navigation_choice(Prefix.ROOM, workshop.code)),
        Option(turn.t("workshop.chart"), navigation_choice(Prefix.ROOM_CHART, workshop.code)),
        Option(turn.t("workshop.export"), navigation_choice(Prefix.ROOM_EXPORT, workshop.code)),
    ]
    if workshop.status == WorkshopStatus.OPEN:
        hide = "screen.reveal" if workshop.results_hidden else "screen.hide"
        buttons += [
            Option(turn.t("screen.button"), navigation_choice(Prefix.SCREEN, workshop.code)),
            Option(turn.t(hide), Hide(workshop.code, hidden=not workshop.results_hidden).pack()),
            Option(turn.t("screen.poster"), navigation_choice(Prefix.POSTER, workshop.code)),
            Option(turn.t("reminders.nudge_button"), navigation_choice(Prefix.NUDGE, workshop.code)),
            Option(turn.t("workshop.close"), Close(workshop.code).pack()),
        ]
    return tuple(buttons)


async def workshop_results(turn: Turn, workshop: Workshop) -> GroupResult:
    """The workshop's group results, under the engine's minimum group size."""
    return await turn.workshops.results(workshop)


async def room(
    turn: Turn, workshop: Workshop, *, replaces_previous: bool = False, results: GroupResult | None = None
) -> Reply:
    """The room view: joined and finished, stage per area across participants, common next steps, questions.

    Every figure comes from the group results (``results``, when already computed), and only
    where the minimum group size allows it; questions only once that many have joined.
    """
    catalogue, texts = turn.catalogue, turn.texts
    group = results if results is not None else await workshop_results(turn, workshop)
    joined, finished = group.joined or 0, group.finished or 0
    status = turn.t("workshop.status_open" if workshop.status == WorkshopStatus.OPEN else "workshop.status_closed")
    lines = [
        turn.t("workshop.room", name=workshop.name, code=workshop.code, status=status, joined=joined, finished=finished)
    ]
    follows = await earlier_of(turn, workshop)
    if follows is not None:
        lines.append(turn.t("follow_up.room", name=follows.name, code=follows.code))
    if group.people:
        earlier = await workshop_results(turn, follows) if follows is not None else None
        code = follows.code if follows is not None else ""
        lines += [
            "",
            turn.t("group_results.room_areas"),
            *group_words.area_lines(texts, catalogue, group, earlier=earlier, code=code),
        ]
        common = group.next_steps[:COMMON_NEXT]
        if common:
            lines += ["", turn.t("group_results.room_next")]
            lines += [
                turn.t("workshop.room_action", code=s.action.code, title=s.action.title, count=s.count) for s in common
            ]
    else:
        lines += ["", turn.t("workshop.room_no_answers")]
    if joined >= turn.min_group_size:
        asked = await turn.workshops.questions(workshop, limit=QUESTIONS * 4)
        questions = [q.text for q in asked if real_question(turn, q.text)][:QUESTIONS]
        if questions:
            lines += ["", turn.t("workshop.room_questions")]
            lines += [turn.t("workshop.room_question", question=shorten(q, QUESTION_CHARS)) for q in questions]
    if workshop.results_hidden and workshop.status == WorkshopStatus.OPEN:
        lines += ["", turn.t("screen.room_hidden")]
    lines += ["", turn.t("workshop.room_updated", time=utcnow().strftime("%H:%M:%S"))]
    return Reply("\n".join(lines), options=room_buttons(turn, workshop), columns=2, replaces_previous=replaces_previous)


def real_question(turn: Turn, text: str) -> bool:
    """Whether a typed text is a question for the room (:func:`group_words.room_question`)."""
    return group_words.room_question(turn.texts, turn.catalogue, text)


def room_chart(
    turn: Turn,
    workshop: Workshop,
    group: GroupResult,
    *,
    earlier: tuple[Workshop, GroupResult] | None = None,
    in_room: bool = False,
) -> list[Reply]:
    """The room's chart (its subtitle carries the moment and the room's counts), once an area may be shown.

    A follow-up's chart marks where the ``earlier`` workshop's median stood, area by area. ``in_room``:
    the chart goes with the room view, replacing the room's earlier chart (📊 Chart sends one more).
    """
    if not group.shown:
        return []
    title = turn.t("workshop.chart_title", name=workshop.name, code=workshop.code)
    before, code = (earlier[1], earlier[0].code) if earlier is not None else (None, "")
    chart = group_words.group_chart(
        turn.texts, turn.catalogue, group, title=title, moment=utcnow(), earlier=before, earlier_code=code
    )
    return [Reply(title, chart=chart, room_chart=in_room)]


async def room_view(turn: Turn, workshop: Workshop, *, replaces_previous: bool = False) -> list[Reply]:
    """The room's chart and text from one computation of its results, so both show the same figures.

    On a press in the room (``replaces_previous``) the text is edited in place and the chart
    replaces the room's earlier one (``Reply.room_chart``).
    """
    results = await workshop_results(turn, workshop)
    earlier = await earlier_results(turn, workshop)
    return [
        *room_chart(turn, workshop, results, earlier=earlier, in_room=True),
        await room(turn, workshop, replaces_previous=replaces_previous, results=results),
    ]


async def earlier_of(turn: Turn, workshop: Workshop) -> Workshop | None:
    """The workshop this one follows up, if any (a coordinator of this one sees its figures beside)."""
    if workshop.follows_id is None:
        return None
    return await turn.workshops.by_id(workshop.follows_id)


async def earlier_results(turn: Turn, workshop: Workshop) -> tuple[Workshop, GroupResult] | None:
    follows = await earlier_of(turn, workshop)
    return (follows, await workshop_results(turn, follows)) if follows is not None else None


def shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# --- the room's buttons ----------------------------------------------------------------------


async def refresh(turn: Turn, value: str) -> list[Reply]:
    """``wr:<code>``: the room view again, edited into the message whose button was pressed, its chart replaced."""
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    return await room_view(turn, workshop, replaces_previous=True)


async def chart(turn: Turn, value: str) -> list[Reply]:
    """``wg:<code>``: the workshop's chart now."""
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    group = await workshop_results(turn, workshop)
    earlier = await earlier_results(turn, workshop)
    return room_chart(turn, workshop, group, earlier=earlier) or [
        turn.say("group_results.chart_too_few", minimum=turn.min_group_size)
    ]


async def close(turn: Turn, choice: Close) -> list[Reply]:
    """``wc:<code>`` asks for confirmation, ``wc:<code>:y`` closes the workshop."""
    code = choice.code
    workshop = await find(turn, code)
    if workshop is None:
        return [turn.say("workshop.unknown", code=code[:20])]
    if workshop.status == WorkshopStatus.CLOSED:
        return [turn.say("workshop.already_closed", name=workshop.name)]
    if not choice.confirmed:
        options = (
            Option(turn.t("workshop.close_yes"), Close(workshop.code, confirmed=True).pack()),
            Option(turn.t("workshop.close_no"), navigation_choice(Prefix.ROOM, workshop.code)),
        )
        return [turn.say("workshop.close_confirm", name=workshop.name, options=options, columns=2)]
    turn.workshops.close(workshop)
    joined, finished = await turn.workshops.counts(workshop)
    return [
        Reply(turn.t("workshop.closed", name=workshop.name, joined=joined, finished=finished), replaces_previous=True)
    ]


# --- the big screen and the poster -----------------------------------------------------------


async def big_screen(turn: Turn, value: str) -> list[Reply]:
    """``wb:<code>``: a new secret link to the workshop's big screen (each press a new one; earlier ones still work)."""
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    settings = turn.screens
    if settings.public_url is None:
        return [turn.say("screen.unavailable")]
    if workshop.status != WorkshopStatus.OPEN:
        return [turn.say("screen.closed", name=workshop.name)]
    token = await turn.workshops.issue_screen_link(workshop)
    url = screen.screen_url(settings.public_url, token)
    return [turn.say("screen.link", name=workshop.name, url=url, hours=settings.hours)]


async def hide_results(turn: Turn, choice: Hide) -> list[Reply]:
    """``wh:<code>:1`` hides the results on the big screen (only counts), ``wh:<code>:0`` reveals them.

    The room view is edited in place (its button now the other one), and a line says what the screen shows.
    """
    workshop = await find(turn, choice.code)
    if workshop is None:
        return [turn.say("workshop.unknown", code=choice.code[:20])]
    turn.workshops.set_results_hidden(workshop, hidden=choice.hidden)
    key = "screen.hidden_now" if choice.hidden else "screen.revealed_now"
    return [*await room_view(turn, workshop, replaces_previous=True), turn.say(key, name=workshop.name)]


async def poster(turn: Turn, value: str) -> list[Reply]:
    """``wp:<code>``: an A4 poster to print, with the workshop's name, QR code, code and link (drawn by the adapter)."""
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    sheet = report.poster(turn.texts, workshop)
    return [Reply(turn.t("screen.poster_ready", name=workshop.name), poster=sheet)]


# --- /export ---------------------------------------------------------------------------------


async def export(turn: Turn, argument: str) -> list[Reply]:
    """``/export [CODE]``: the format buttons; the file comes with the next press (``routes`` guards it).

    Without a code: the answers of the cities granted (every city's for a grant without one); a
    coordinator without cities is offered the workshops they run instead.
    """
    workshop = await find(turn, argument) if argument else None
    if argument and workshop is None:
        return [turn.say("workshop.unknown", code=argument[:20])]
    if workshop is None:
        scope = await scope_of(turn)
        if scope is not None and not scope.all_cities and not scope.city_ids:
            return await own_workshops(turn)
    return [await export_question(turn, workshop)]


async def own_workshops(turn: Turn) -> list[Reply]:
    """For a coordinator granted no city: the workshops they run, each a button to its export."""
    scope = await scope_of(turn)
    workshops = [
        workshop
        for workshop in await turn.workshops.all()
        if scope is not None and await turn.workshops.runs(scope, workshop)
    ][:LIST_LIMIT]
    if not workshops:
        return [turn.say("workshop_team.no_scope")]
    buttons = tuple(
        Option(f"{w.code} · {w.name}"[:40], navigation_choice(Prefix.ROOM_EXPORT, w.code)) for w in workshops
    )
    return [turn.say("workshop_team.export_which", options=buttons)]


async def export_workshop(turn: Turn, value: str) -> list[Reply]:
    """``we:<code>``: the format buttons for one workshop's answers."""
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    return [format_question(turn, workshop)]


def format_question(turn: Turn, workshop: Workshop | None) -> Reply:
    """The file formats of every answer, and for one workshop its PDF report too."""
    code = workshop.code if workshop else ""
    options = [Option(turn.t(fmt.label), Export(fmt, code).pack()) for fmt in ExportFormat]
    if workshop is not None:
        options.append(Option(turn.t("report.button"), Export(REPORT_FORMAT, code).pack()))
    return Reply(turn.t("export.choose", scope=scope(turn, workshop)), options=tuple(options), columns=3)


async def export_question(turn: Turn, workshop: Workshop | None) -> Reply:
    """The format buttons, saying which cities' answers an export without a workshop holds."""
    question = format_question(turn, workshop)
    if workshop is not None:
        return question
    cities = await granted_cities(turn)
    if not cities:
        return question
    text = turn.t("export.choose", scope=scope(turn, None, [city.name for city in cities]))
    return Reply(text, options=question.options, columns=3)


def scope(turn: Turn, workshop: Workshop | None, cities: list[str] | None = None) -> str:
    """The export's scope in words: one workshop, the cities granted, or (empty) every answer."""
    if workshop:
        return turn.t("export.scope_workshop", code=workshop.code)
    return turn.t("workshop_team.scope_cities", cities=", ".join(cities)) if cities else ""


async def granted_cities(turn: Turn) -> list[City] | None:
    """The cities whose answers this coordinator may export; ``None`` for every city (or no coordinator: ``[]``)."""
    grant = await turn.workshops.grant(user_id=turn.incoming.user_id, username=turn.incoming.username)
    if grant is None:
        return []
    if grant.all_cities:
        return None
    return await turn.workshops.granted_cities(grant)


async def export_file(turn: Turn, choice: Export) -> list[Reply]:
    """``ex:<format>[:<code>]``: every answer (of one workshop) as a file, drawn by the adapter."""
    fmt, code = choice.fmt, choice.code
    if fmt not in tuple(ExportFormat) and not (fmt == REPORT_FORMAT and code):
        return [turn.say("errors.malformed_choice")]
    workshop = await find(turn, code) if code else None
    if code and workshop is None:
        return [turn.say("workshop.unknown", code=code[:20])]
    if fmt == REPORT_FORMAT and workshop is not None:
        return [await report_reply(turn, workshop)]
    names: list[str] = []
    if workshop is not None:
        rows = await turn.workshops.export_rows(workshop=workshop)
    else:
        cities = await granted_cities(turn)
        if cities is None:  # a grant for every city
            rows = await turn.workshops.export_rows()
        elif not cities:
            return await own_workshops(turn)
        else:
            names = [city.name for city in cities]
            rows = []
            for city in cities:
                rows += await turn.workshops.export_rows(city=city)
    where = scope(turn, workshop, names)
    if not rows:
        return [turn.say("export.empty", scope=where)]
    stamp = utcnow().strftime("%Y-%m-%d")
    filename = f"citybot-{workshop.code if workshop else 'answers'}-{stamp}.{fmt}"
    text = turn.t("export.ready", count=len(rows), scope=where, format=turn.t(ExportFormat(fmt).label))
    earlier = await turn.workshops.earlier_rows({r.workshop for r in rows})
    document = exports.answer_export(
        rows,
        fmt,
        filename=filename,
        catalogue=turn.catalogue,
        not_started=turn.t("results.not_started"),
        not_sure=turn.t("report.not_sure"),
        earlier=earlier,
        sheets=turn.texts.section("xlsx.sheets"),
        headers=turn.texts.section("xlsx.columns"),
    )
    return [Reply(text, export=document)]


async def report_reply(turn: Turn, workshop: Workshop) -> Reply:
    """The workshop's PDF report (laid out by the adapter, outside the transaction)."""
    document = await turn.workshops.report(workshop, moment=utcnow())
    questions = turn.t("report.ready_questions") if report.questions_told(turn.texts) else ""
    return Reply(turn.t("report.ready", name=workshop.name, questions=questions), report=document)


# --- joining ---------------------------------------------------------------------------------


async def join(turn: Turn, argument: str) -> list[Reply]:
    """``/join CODE`` and ``/start ws_<code>``: join the workshop, then straight into its quick check-in.

    A newcomer goes through consent and set-up first (the code rides along); an unknown or closed
    workshop gets a clear sentence and the usual menu.
    """
    code = workshop_codes.parse_code(argument)
    if code is None:
        return [turn.say("workshop.join_usage")]
    if not onboarded(turn):
        turn.hand_off("start", workshop_codes.join_payload(code))
        return []
    participant = turn.participant
    assert participant is not None
    now = utcnow()
    since = now - JOIN_WINDOW
    misses = await turn.workshops.join_misses(participant, since=since)
    if len(misses) >= JOIN_MISSES:  # codes are not guessed: a polite wait, whatever the code this time
        seconds = max(1, math.ceil((misses[-JOIN_MISSES] + JOIN_WINDOW - now).total_seconds()))
        return [turn.say("join_limit.wait", seconds=seconds)]
    workshop = await turn.workshops.by_code(code)
    if workshop is None:
        await turn.workshops.record_join_miss(participant, older_than=since)
        return [turn.say("workshop.join_unknown", code=code, options=main_menu(turn), columns=2)]
    if workshop.status == WorkshopStatus.CLOSED:
        return [turn.say("workshop.join_closed", name=workshop.name, options=main_menu(turn), columns=2)]
    new = await turn.workshops.join(workshop, participant)
    current = await turn.assessments.unfinished(AssessmentKind.CHECKIN)
    if current is None or current.workshop_id != workshop.id:
        current = await turn.assessments.create(AssessmentKind.CHECKIN, cursor=turn.catalogue.areas[0].code)
        turn.assessments.link(current, workshop)
    key = "workshop.joined" if new else "workshop.joined_again"
    share = Option(turn.t("workshop.share_name"), ShareName(shown=True).pack())
    turn.hand_off(CHECKIN)
    options = () if participant.share_name else (share,)
    text = turn.t(key, name=workshop.name, pseudonym=participant.pseudonym)
    if new:  # what the room shows of them, before they type anything
        text += "\n" + turn.t("workshop_team.what_is_shown", minimum=turn.min_group_size)
    return [Reply(text, options=options)]


async def share_name(turn: Turn, choice: ShareName) -> list[Reply]:
    """``sn:y`` shows the participant's name with their answers to coordinators, ``sn:n`` hides it again."""
    participant = turn.participant
    if participant is None:
        return [turn.say("errors.malformed_choice")]
    turn.participants.set_share_name(participant, choice.shown)
    if choice.shown:
        hide = Option(turn.t("workshop.hide_name"), ShareName(shown=False).pack())
        return [turn.say("workshop.name_shared", name=participant.name, options=(hide,))]
    return [turn.say("workshop.name_hidden", pseudonym=participant.pseudonym)]


async def late_note(turn: Turn, assessment: Assessment) -> list[Reply]:
    """The polite line for an answer to a check-in whose workshop has closed (once per check-in)."""
    if assessment.workshop_id is None or turn.data.get("late_noted"):
        return []
    workshop = await turn.workshops.by_id(assessment.workshop_id)
    if workshop is None or workshop.status != WorkshopStatus.CLOSED:
        return []
    turn.set_step(turn.step, late_noted=True)
    return [turn.say("workshop.late_answer", name=workshop.name)]
