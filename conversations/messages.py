"""The engine's transport-agnostic contract: what comes in and what goes out.

Telegram, the console and every test are thin adapters that build :class:`Incoming`
values and render :class:`Reply` values; nothing here knows about any transport.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_CHOICE_LENGTH = 40
"""Choice ids stay short and ASCII so they fit Telegram's 64-byte callback data with room to spare."""

CHOICE_PATTERN = re.compile(rf"^[\x21-\x7e]{{1,{MAX_CHOICE_LENGTH}}}$")


class Kind(StrEnum):
    """What the user did."""

    COMMAND = "command"  # payload is the whole command text, e.g. "/ask flood drills" or "/start ws_ab12"
    TEXT = "text"  # payload is the free text the user typed
    CHOICE = "choice"  # payload is the choice id of an option the user picked
    OTHER = "other"  # a sticker, photo, voice note, location...; payload names it ("sticker")


@dataclass(frozen=True, slots=True)
class Incoming:
    """One user event, already stripped of everything transport-specific.

    ``user_id`` and ``chat_id`` are strings qualified by the transport ("telegram:42",
    "console:alice") so several transports can share one database. ``update_id`` lets the
    engine drop redelivered updates; adapters without one leave it ``None``.
    """

    user_id: str
    chat_id: str
    kind: Kind
    payload: str
    user_name: str = ""
    language: str | None = None
    update_id: str | None = None
    username: str | None = None
    """The transport's handle for the user (a Telegram ``@username``, without the ``@``), if they have one."""
    outbox: bool = False
    """Keep the replies until the adapter reports them sent (``Engine.replies_sent``): for transports that
    deliver an update again until it is confirmed, as Telegram does (see ``conversations.outbox``)."""


@dataclass(frozen=True, slots=True)
class Option:
    """A button: a short label and the compact choice id sent back when it is picked."""

    label: str
    choice: str

    def __post_init__(self) -> None:
        if not CHOICE_PATTERN.match(self.choice):
            raise ValueError(f"choice id must be 1-{MAX_CHOICE_LENGTH} printable ASCII characters: {self.choice!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a reply: an image (shown inline, e.g. a chart PNG) or a document."""

    filename: str
    data: bytes
    is_image: bool = False


@dataclass(frozen=True, slots=True)
class ChartArea:
    """One bar of a maturity chart: where one area stands on the chart's stage axis.

    Positions count the chart's stages from 1 (0 = before the first). ``reached`` is the
    stage the area has reached, ``next_stage`` the one it works on (equal to ``reached``
    once every stage is done; an area lacking a stage may skip a position), and
    ``share_next`` the share of that next stage's actions already done, 0..1.
    ``stage`` says the stage reached in words ("Moderate", "not started").

    A bar of several respondents (a city, a workshop) stands at their median stage; ``low`` and
    ``high`` are the positions of the lowest and highest respondent, ``respondents`` how many
    answered the area. One person's bar leaves them ``None``.
    """

    code: str
    title: str
    reached: int
    next_stage: int
    share_next: float
    stage: str
    low: int | None = None
    high: int | None = None
    respondents: int | None = None
    earlier: int | None = None
    """A follow-up workshop's bar: where the earlier workshop's median stood (``None``: not shown there)."""


@dataclass(frozen=True, slots=True)
class ChartDomain:
    """A group of bars in a maturity chart: one domain and its areas, in catalogue order."""

    code: str
    name: str
    areas: tuple[ChartArea, ...]


@dataclass(frozen=True, slots=True)
class MaturityChart:
    """What a maturity chart shows, as plain data; adapters draw it (e.g. as a PNG) however suits them.

    Every word on the chart comes from here, already in the user's language: the title (whose
    answers), the subtitle (how many respondents, the date), the stage names along the axis
    (lowest first) and the legend's entries (``legend_spread`` only for charts with a spread).
    """

    title: str
    stages: tuple[str, ...]
    domains: tuple[ChartDomain, ...]
    legend_reached: str
    legend_next: str
    subtitle: str = ""
    legend_spread: str = ""
    legend_earlier: str = ""

    @property
    def areas(self) -> tuple[ChartArea, ...]:
        return tuple(area for domain in self.domains for area in domain.areas)


@dataclass(frozen=True, slots=True)
class ProgressLine:
    """One area over the rounds: its stage position in each round (0 not started), ``None`` where unknown."""

    code: str
    domain: str
    points: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class ProgressChart:
    """What a progress chart shows: each area's stage over a person's rounds, as plain data in their words.

    ``rounds`` labels the rounds along x (their dates), ``stages`` the y axis from "not started" up;
    ``domains`` names each domain (a panel each).
    """

    title: str
    rounds: tuple[str, ...]
    stages: tuple[str, ...]
    domains: tuple[tuple[str, str], ...]
    lines: tuple[ProgressLine, ...]


@dataclass(frozen=True, slots=True)
class Invitation:
    """A join link to show with a reply: the deep-link ``payload`` (``ws_<code>``) of a workshop.

    The adapter makes its own kind of link of it: on Telegram ``https://t.me/<bot>?start=ws_<code>``
    and a QR code of that link; in the console the ``/start ws_<code>`` command to type.
    """

    payload: str


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One stored answer as an export holds it: the one declaration of its fields, in file order.

    Plain values (text, numbers, booleans; ``answered_at`` as ISO 8601 UTC text, as the engine
    gives it, or an aware ``datetime``). ``participant`` is a stable pseudonym; ``name`` the display
    name only for participants who chose to show it; ``implied`` marks the answers a quick check-in
    implied from the stage picked; ``round`` is the participant's round the assessment was.
    """

    city: str
    participant: str
    name: str
    role: str
    workshop: str
    workshop_name: str
    assessment: int | None
    assessment_kind: str
    round: int | None
    domain: str
    area: str
    area_title: str
    stage: str
    stage_name: str
    action_code: str
    action_title: str
    answer: str
    implied: bool
    note: str
    answered_at: str | datetime


class ExportFormat(StrEnum):
    """The file formats of an answer export, declared once, most useful first (as ``/export`` offers them).

    The value is the file's extension; ``label`` the text key of its button; ``media_type`` its MIME type.
    """

    XLSX = "xlsx"
    CSV = "csv"
    JSON = "json"

    @property
    def label(self) -> str:
        return f"export.{self.value}"

    @property
    def media_type(self) -> str:
        return {
            ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat.CSV: "text/csv",
            ExportFormat.JSON: "application/json",
        }[self]


@dataclass(frozen=True, slots=True)
class AnswerExport:
    """Answer rows for the adapter to write as a file (``bot.export``) and send as a document.

    A workbook of thousands of rows takes seconds to write, so the adapter writes it, outside the
    engine's transaction. ``fmt`` is an :class:`ExportFormat`'s value. Plain data only, as every reply
    (it waits in the outbox as JSON): a workbook's other sheets come computed, with the catalogue,
    by :func:`conversations.export_rows.answer_export`, and the adapter only lays them out.
    """

    rows: tuple[ExportRow, ...]
    fmt: str
    filename: str
    summary: tuple[Mapping[str, Any], ...] = ()
    """The workbook's Summary sheet: per city and workshop, per area, the group results (and the earlier workshop's)."""
    stages: tuple[Mapping[str, Any], ...] = ()
    """The workbook's Stages sheet: per participant and area, the stage their answers give, or "not sure"."""
    actions: tuple[Mapping[str, Any], ...] = ()
    """The workbook's Catalogue sheet: every action with its domain, area and stage."""
    sheets: tuple[tuple[str, str], ...] = ()
    """The workbook's sheet names in the coordinator's language, by sheet (``answers``: "Respuestas")."""
    headers: tuple[tuple[str, str], ...] = ()
    """The workbook's column headers in the coordinator's language, by field (CSV and JSON keep the field names)."""


@dataclass(frozen=True, slots=True)
class Poster:
    """An A4 sheet to print for a workshop: its name, QR code and link (the adapter's, from ``payload``), its code.

    Every word is here already, in the coordinator's language; the adapter draws it (``bot.report``).
    """

    name: str
    code: str
    payload: str
    title: str
    how: str
    code_line: str
    join_command: str
    filename: str


@dataclass(frozen=True, slots=True)
class ReportSection:
    """A heading, its lines (one paragraph or bullet each) and a note under them."""

    heading: str
    lines: tuple[str, ...] = ()
    note: str = ""
    bullets: bool = True


@dataclass(frozen=True, slots=True)
class GroupReport:
    """A group's report as a document (a workshop's or a city's): every figure and word, for the adapter to lay out.

    ``rows`` is the per-area table: a row of one cell is a domain's heading. ``page`` holds ``{page}``.
    """

    filename: str
    title: str
    cover: tuple[str, ...]
    chart: MaturityChart | None
    chart_heading: str
    table_heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    table_note: str
    sections: tuple[ReportSection, ...]
    page: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to show the user.

    ``replaces_previous`` asks the adapter to edit the message that carried the button the
    user just pressed instead of sending a new one, so a questionnaire does not flood the chat.
    Options are laid out ``columns`` per row (adapters may fall back to fewer on narrow screens).
    ``chart`` asks the adapter to draw a maturity chart along with the text (an image on Telegram),
    ``invitation`` to show a workshop's join link with it, ``export`` to write answer rows as a file,
    ``poster`` and ``report`` to lay out a PDF and send it as a document.
    ``forgotten`` says the user's data was just deleted: the adapter deletes what it keeps of them
    (e.g. chart files saved for them).
    ``room_chart`` marks a workshop room's chart: it belongs to the room message that follows it
    (on a press in the room: the one pressed), and the adapter replaces that room's earlier chart
    with it rather than adding another, so the room's chart and text show the same figures.
    """

    text: str
    options: tuple[Option, ...] = field(default=())
    attachment: Attachment | None = None
    replaces_previous: bool = False
    columns: int = 1
    chart: MaturityChart | ProgressChart | None = None
    invitation: Invitation | None = None
    export: AnswerExport | None = None
    forgotten: bool = False
    poster: Poster | None = None
    report: GroupReport | None = None
    room_chart: bool = False
