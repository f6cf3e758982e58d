"""Workshops and exports in the chat: ``/workshop``, ``/export``, the room view, joining by link.

Every coordinator path checks the role here, in the engine: a command or a button (whatever its
callback data) from anyone else gets the same polite refusal, which says nothing about whether a
workshop or an answer exists. Joining (``/start ws_<code>``) is for everyone who has consented.
"""

from __future__ import annotations

from conversations import assessments, coordination
from conversations.choices import Prefix, navigation_choice
from conversations.flows.menu import main_menu
from conversations.flows.onboarding import onboarded
from conversations.messages import AnswerExport, Invitation, Option, Reply
from conversations.storage import repository
from conversations.storage.models import Assessment, AssessmentKind, Workshop, WorkshopStatus, utcnow
from conversations.turn import Turn

EXPORT_FORMATS = {"xlsx": "export.xlsx", "csv": "export.csv", "json": "export.json"}
"""The formats ``/export`` offers, most useful first (``bot.export`` writes the files)."""
LIST_LIMIT = 10
COMMON_NEXT = 5
"""How many of the most common next steps the room view lists."""
QUESTIONS = 5
"""How many of the latest questions the room view lists."""
QUESTION_CHARS = 100
CHECKIN = "checkin"
"""Where joining leads: the quick check-in, which continues the one just linked to the workshop."""


async def is_coordinator(turn: Turn) -> bool:
    incoming = turn.incoming
    return await repository.is_coordinator(turn.session, user_id=incoming.user_id, username=incoming.username)


def refusal(turn: Turn) -> list[Reply]:
    return [turn.say("coordinators.only")]


async def coordinators_only(turn: Turn) -> list[Reply] | None:
    """The guard of the coordinators' commands: the polite refusal for anyone else."""
    return None if await is_coordinator(turn) else refusal(turn)


# --- /workshop -------------------------------------------------------------------------------


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/workshop``, ``/workshop new NAME``, ``/workshop CODE``: for coordinators (``routes`` guards it)."""
    verb, _, rest = argument.partition(" ")
    if verb.lower() == "new":
        return await create(turn, rest.strip())
    if not argument:
        return await overview(turn)
    workshop = await find(turn, argument)
    if workshop is None:
        return [turn.say("workshop.unknown", code=argument[:20])]
    people = await coordination.workshop_answers(turn.session, workshop=workshop)
    return [
        *room_chart(turn, workshop, coordination.picture(turn.catalogue, people.values())),
        await room(turn, workshop),
    ]


async def find(turn: Turn, text: str) -> Workshop | None:
    code = coordination.parse_code(text)
    return await repository.workshop_by_code(turn.session, code=code) if code else None


async def overview(turn: Turn) -> list[Reply]:
    """The open workshops, each a button to its room view."""
    workshops = await repository.workshops(turn.session, status=WorkshopStatus.OPEN)
    if not workshops:
        return [turn.say("workshop.none_open"), turn.say("workshop.usage")]
    lines = [turn.t("workshop.list_title")]
    buttons = []
    for workshop in workshops[:LIST_LIMIT]:
        joined, _ = await repository.workshop_counts(turn.session, workshop=workshop)
        lines.append(turn.t("workshop.list_line", code=workshop.code, name=workshop.name, joined=joined))
        buttons.append(Option(f"{workshop.code} · {workshop.name}"[:40], navigation_choice(Prefix.ROOM, workshop.code)))
    return [Reply("\n".join(lines), options=tuple(buttons)), turn.say("workshop.usage")]


async def create(turn: Turn, name: str) -> list[Reply]:
    """``/workshop new NAME``: open a workshop in the coordinator's city; reply with its code, link and QR code."""
    if not name or len(name) > coordination.MAX_NAME_LENGTH:
        return [turn.say("workshop.name_invalid", limit=coordination.MAX_NAME_LENGTH)]
    participant = turn.participant
    city = await repository.city_by_id(turn.session, city_id=participant.city_id) if participant else None
    workshop = await coordination.create_workshop(turn.session, name=name, city=city, created_by=turn.incoming.user_id)
    text = turn.t("workshop.created", name=workshop.name, code=workshop.code)
    invitation = Invitation(coordination.join_payload(workshop.code))
    return [Reply(text, options=room_buttons(turn, workshop), columns=2, invitation=invitation)]


def room_buttons(turn: Turn, workshop: Workshop) -> tuple[Option, ...]:
    buttons = [
        Option(turn.t("workshop.refresh"), navigation_choice(Prefix.ROOM, workshop.code)),
        Option(turn.t("workshop.chart"), navigation_choice(Prefix.ROOM_CHART, workshop.code)),
        Option(turn.t("workshop.export"), navigation_choice(Prefix.ROOM_EXPORT, workshop.code)),
    ]
    if workshop.status == WorkshopStatus.OPEN:
        buttons.append(Option(turn.t("reminders.nudge_button"), navigation_choice(Prefix.NUDGE, workshop.code)))
        buttons.append(Option(turn.t("workshop.close"), navigation_choice(Prefix.CLOSE, workshop.code)))
    return tuple(buttons)


async def room(
    turn: Turn,
    workshop: Workshop,
    *,
    replaces_previous: bool = False,
    people: dict[int, dict[str, str]] | None = None,
) -> Reply:
    """The room view: joined and finished, stage per area across participants, common next steps, questions.

    ``people`` are the participants' answers as the workshop counts them, when already read.
    """
    session, catalogue, texts = turn.session, turn.catalogue, turn.texts
    joined, finished = await repository.workshop_counts(session, workshop=workshop)
    status = turn.t("workshop.status_open" if workshop.status == WorkshopStatus.OPEN else "workshop.status_closed")
    lines = [
        turn.t("workshop.room", name=workshop.name, code=workshop.code, status=status, joined=joined, finished=finished)
    ]
    if people is None:
        people = await coordination.workshop_answers(session, workshop=workshop)
    group = coordination.picture(catalogue, people.values())
    if group.respondents:
        lines += [
            "",
            turn.t("workshop.room_areas"),
            *coordination.area_lines(texts, catalogue, group, "workshop.room_area"),
        ]
        common = coordination.common_next(catalogue, people.values())[:COMMON_NEXT]
        if common:
            lines += ["", turn.t("workshop.room_next")]
            lines += [turn.t("workshop.room_action", code=a.code, title=a.title, count=n) for a, n in common]
    else:
        lines += ["", turn.t("workshop.room_no_answers")]
    questions = await repository.workshop_questions(session, workshop=workshop, limit=QUESTIONS)
    if questions:
        lines += ["", turn.t("workshop.room_questions")]
        lines += [turn.t("workshop.room_question", question=shorten(q.text, QUESTION_CHARS)) for q in questions]
    lines += ["", turn.t("workshop.room_updated", time=utcnow().strftime("%H:%M:%S"))]
    return Reply("\n".join(lines), options=room_buttons(turn, workshop), columns=2, replaces_previous=replaces_previous)


def room_chart(turn: Turn, workshop: Workshop, group: coordination.Picture) -> list[Reply]:
    if not group.respondents:
        return []
    title = turn.t("workshop.chart_title", name=workshop.name, code=workshop.code)
    chart = coordination.picture_chart(turn.texts, turn.catalogue, group, title=title, moment=utcnow())
    return [Reply(title, chart=chart)]


def shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# --- the room's buttons ----------------------------------------------------------------------


async def refresh(turn: Turn, value: str) -> list[Reply]:
    """``wr:<code>``: the room view again, edited into the message whose button was pressed."""
    if not await is_coordinator(turn):
        return refusal(turn)
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    return [await room(turn, workshop, replaces_previous=True)]


async def chart(turn: Turn, value: str) -> list[Reply]:
    """``wg:<code>``: the workshop's chart now."""
    if not await is_coordinator(turn):
        return refusal(turn)
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    group = await coordination.workshop_picture(turn.session, turn.catalogue, workshop=workshop)
    return room_chart(turn, workshop, group) or [turn.say("workshop.room_no_answers")]


async def close(turn: Turn, value: str) -> list[Reply]:
    """``wc:<code>`` asks for confirmation, ``wc:<code>:y`` closes the workshop."""
    if not await is_coordinator(turn):
        return refusal(turn)
    code, _, confirmed = value.partition(":")
    workshop = await find(turn, code)
    if workshop is None:
        return [turn.say("workshop.unknown", code=code[:20])]
    if workshop.status == WorkshopStatus.CLOSED:
        return [turn.say("workshop.already_closed", name=workshop.name)]
    if confirmed != "y":
        options = (
            Option(turn.t("workshop.close_yes"), navigation_choice(Prefix.CLOSE, f"{workshop.code}:y")),
            Option(turn.t("workshop.close_no"), navigation_choice(Prefix.ROOM, workshop.code)),
        )
        return [turn.say("workshop.close_confirm", name=workshop.name, options=options, columns=2)]
    repository.close_workshop(turn.session, workshop=workshop)
    joined, finished = await repository.workshop_counts(turn.session, workshop=workshop)
    return [
        Reply(turn.t("workshop.closed", name=workshop.name, joined=joined, finished=finished), replaces_previous=True)
    ]


# --- /export ---------------------------------------------------------------------------------


async def export(turn: Turn, argument: str) -> list[Reply]:
    """``/export [CODE]``: the format buttons; the file comes with the next press (``routes`` guards it)."""
    workshop = await find(turn, argument) if argument else None
    if argument and workshop is None:
        return [turn.say("workshop.unknown", code=argument[:20])]
    return [format_question(turn, workshop)]


async def export_workshop(turn: Turn, value: str) -> list[Reply]:
    """``we:<code>``: the format buttons for one workshop's answers."""
    if not await is_coordinator(turn):
        return refusal(turn)
    workshop = await find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    return [format_question(turn, workshop)]


def format_question(turn: Turn, workshop: Workshop | None) -> Reply:
    suffix = f":{workshop.code}" if workshop else ""
    options = tuple(
        Option(turn.t(key), navigation_choice(Prefix.EXPORT, f"{fmt}{suffix}")) for fmt, key in EXPORT_FORMATS.items()
    )
    return Reply(turn.t("export.choose", scope=scope(turn, workshop)), options=options, columns=3)


def scope(turn: Turn, workshop: Workshop | None) -> str:
    return turn.t("export.scope_workshop", code=workshop.code) if workshop else ""


async def export_file(turn: Turn, value: str) -> list[Reply]:
    """``ex:<format>[:<code>]``: every answer (of one workshop) as a file, drawn by the adapter."""
    if not await is_coordinator(turn):
        return refusal(turn)
    fmt, _, code = value.partition(":")
    if fmt not in EXPORT_FORMATS:
        return [turn.say("errors.malformed_choice")]
    workshop = await find(turn, code) if code else None
    if code and workshop is None:
        return [turn.say("workshop.unknown", code=code[:20])]
    rows = await coordination.export_rows(turn.session, turn.catalogue, workshop=workshop)
    if not rows:
        return [turn.say("export.empty", scope=scope(turn, workshop))]
    stamp = utcnow().strftime("%Y-%m-%d")
    filename = f"citybot-{workshop.code if workshop else 'answers'}-{stamp}.{fmt}"
    text = turn.t("export.ready", count=len(rows), scope=scope(turn, workshop), format=turn.t(EXPORT_FORMATS[fmt]))
    document = AnswerExport(
        rows=tuple(rows),
        fmt=fmt,
        filename=filename,
        catalogue=turn.catalogue,
        not_started=turn.t("results.not_started"),
    )
    return [Reply(text, export=document)]


# --- joining ---------------------------------------------------------------------------------


async def join(turn: Turn, argument: str) -> list[Reply]:
    """``/join CODE`` and ``/start ws_<code>``: join the workshop, then straight into its quick check-in.

    A newcomer goes through consent and set-up first (the code rides along); an unknown or closed
    workshop gets a clear sentence and the usual menu.
    """
    code = coordination.parse_code(argument)
    if code is None:
        return [turn.say("workshop.join_usage")]
    if not onboarded(turn):
        turn.hand_off("start", coordination.join_payload(code))
        return []
    workshop = await repository.workshop_by_code(turn.session, code=code)
    if workshop is None:
        return [turn.say("workshop.join_unknown", code=code, options=main_menu(turn), columns=2)]
    if workshop.status == WorkshopStatus.CLOSED:
        return [turn.say("workshop.join_closed", name=workshop.name, options=main_menu(turn), columns=2)]
    participant = turn.participant
    assert participant is not None
    new = await repository.join_workshop(turn.session, workshop=workshop, participant=participant)
    current = await assessments.unfinished(turn, AssessmentKind.CHECKIN)
    if current is None or current.workshop_id != workshop.id:
        current = await assessments.create(turn, AssessmentKind.CHECKIN, cursor=turn.catalogue.areas[0].code)
        repository.link_assessment(turn.session, assessment=current, workshop=workshop)
    key = "workshop.joined" if new else "workshop.joined_again"
    share = Option(turn.t("workshop.share_name"), navigation_choice(Prefix.SHARE_NAME, "y"))
    turn.hand_off(CHECKIN)
    options = () if participant.share_name else (share,)
    return [turn.say(key, name=workshop.name, pseudonym=participant.pseudonym, options=options)]


async def share_name(turn: Turn, value: str) -> list[Reply]:
    """``sn:y`` shows the participant's name with their answers to coordinators, ``sn:n`` hides it again."""
    participant = turn.participant
    if participant is None or value not in ("y", "n"):
        return [turn.say("errors.malformed_choice")]
    repository.set_share_name(turn.session, participant=participant, share=value == "y")
    if value == "y":
        hide = Option(turn.t("workshop.hide_name"), navigation_choice(Prefix.SHARE_NAME, "n"))
        return [turn.say("workshop.name_shared", name=participant.name, options=(hide,))]
    return [turn.say("workshop.name_hidden", pseudonym=participant.pseudonym)]


async def late_note(turn: Turn, assessment: Assessment) -> list[Reply]:
    """The polite line for an answer to a check-in whose workshop has closed (once per check-in)."""
    if assessment.workshop_id is None or turn.data.get("late_noted"):
        return []
    workshop = await repository.workshop_by_id(turn.session, workshop_id=assessment.workshop_id)
    if workshop is None or workshop.status != WorkshopStatus.CLOSED:
        return []
    turn.set_step(turn.step, late_noted=True)
    return [turn.say("workshop.late_answer", name=workshop.name)]
