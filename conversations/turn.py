"""One update's worth of context for the flows: who, what they sent, their state, and helpers to reply."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations.choices import question_choice
from conversations.group_results import MIN_GROUP_SIZE
from conversations.messages import Incoming, Option, Reply
from conversations.reminders import ReminderTimes
from conversations.screen import ScreenSettings
from conversations.storage import assessments as stored_assessments
from conversations.storage import participants as stored_participants
from conversations.storage.models import Assessment, Conversation, Note, Participant
from conversations.stores import Assessments, Cities, Participants, Reminders, Workshops
from conversations.texts import Texts
from conversations.times import utcnow


@dataclass
class Turn:
    """Everything a flow needs to answer one update; state changes are written by the engine's commit.

    ``participant`` and ``conversation`` are ``None`` until the user has consented: nothing
    is stored about anyone before that. ``assessment`` is the one the flow data pointed at when
    the update came in, loaded with them.

    Questions are numbered here, and only here: whenever the conversation moves on (another
    flow or step, an assessment pointed at another question) the conversation's ``seq`` goes
    up, so every button shown before is stale from then on. Showing a question only reads the
    number, so showing the pending one again (after a stale button) keeps its buttons valid.

    What a turn reads it keeps: an assessment's answers are read at most once per update, and
    answers written through :meth:`set_answers` update that copy rather than being read again.
    ``answers`` is the sheet of ``assessment`` when it was loaded along with it.

    ``handed_to`` names a command a flow hands the conversation on to (:meth:`hand_off`);
    the engine runs it after the flow, so flows never call one another.

    Flows reach storage only through the turn: its methods for the conversation and the
    answers, and the stores it hands out (``cities``, ``participants``, ``assessments``,
    ``workshops``, ``reminders``: :mod:`conversations.stores`). ``session`` is the engine's.
    """

    session: AsyncSession
    catalogue: Catalogue
    texts: Texts
    incoming: Incoming
    participant: Participant | None = None
    conversation: Conversation | None = None
    assessment: Assessment | None = None
    answers: InitVar[stored_assessments.AnswerSheet | None] = None
    reminder_times: ReminderTimes = field(default_factory=ReminderTimes)
    """How long reminders wait (settings), for what ``/reminders`` and the next round's rhythm say."""
    handed_to: str | None = None
    handed_argument: str = ""
    screens: ScreenSettings = field(default_factory=ScreenSettings)
    """Where the workshops' big screens are served (``conversations.screen``)."""
    min_group_size: int = MIN_GROUP_SIZE
    """The fewest people a group figure may come from (the engine's setting)."""
    forgotten: bool = False
    languages: tuple[str, ...] = ("en",)
    """The languages citybot speaks, English first (texts and catalogue in each)."""
    speaking: Callable[[str], tuple[Texts, Catalogue]] | None = None
    """The texts and catalogue of another language (the engine's), for :meth:`speak`."""
    remembered: str | None = None
    """The language to store with the person at consent: the one they picked, or their client's if citybot speaks it."""
    chosen_language: str | None = None
    """Set by ``/language`` for someone not yet stored: the engine keeps it until they consent."""
    """The participant's data was deleted in this update: the engine stores nothing of theirs with it."""
    _sheets: dict[int, stored_assessments.AnswerSheet] = field(default_factory=dict, repr=False)

    def __post_init__(self, answers: stored_assessments.AnswerSheet | None) -> None:
        if answers is not None and self.assessment is not None and self.assessment.id is not None:
            self._sheets[self.assessment.id] = answers

    @cached_property
    def cities(self) -> Cities:
        return Cities(self)

    @cached_property
    def participants(self) -> Participants:
        return Participants(self)

    @cached_property
    def assessments(self) -> Assessments:
        return Assessments(self)

    @cached_property
    def workshops(self) -> Workshops:
        return Workshops(self)

    @cached_property
    def reminders(self) -> Reminders:
        return Reminders(self)

    def t(self, key: str, **fields: Any) -> str:
        return self.texts.get(key, **fields)

    def speak(self, language: str) -> None:
        """Answer the rest of this update in ``language`` (texts and catalogue), when citybot speaks it."""
        if self.speaking is not None and language in self.languages:
            self.texts, self.catalogue = self.speaking(language)

    def say(self, key: str, *, options: Sequence[Option] = (), columns: int = 1, **fields: Any) -> Reply:
        return Reply(text=self.t(key, **fields), options=tuple(options), columns=columns)

    def echo(self, text: str) -> Reply:
        """The message that carried the pressed button, rewritten to show what was picked."""
        return Reply(text=text, replaces_previous=True)

    def question(self, text: str, answers: Sequence[tuple[str, str]], *, columns: int = 1) -> Reply:
        """The pending question, with buttons that answer only it (carrying its number)."""
        seq = self.require_conversation().seq
        options = tuple(Option(label, question_choice(seq, value)) for label, value in answers)
        return Reply(text=text, options=options, columns=columns)

    def require_conversation(self) -> Conversation:
        if self.conversation is None:
            raise RuntimeError("a question needs a consented participant")
        return self.conversation

    def set_flow(self, flow: str | None, step: str | None = None, **data: Any) -> None:
        """Enter a flow at a step, with fresh flow data."""
        conversation = self.require_conversation()
        conversation.flow = flow
        conversation.step = step
        conversation.data = dict(data)
        self._moved_on(conversation)

    def set_step(self, step: str | None, **updates: Any) -> None:
        """Move to another step of the current flow, updating (not replacing) its data."""
        conversation = self.require_conversation()
        conversation.step = step
        conversation.data = {**conversation.data, **updates}
        self._moved_on(conversation)

    def _moved_on(self, conversation: Conversation) -> None:
        """The conversation is at another question: number it, so every button shown before is stale."""
        conversation.seq += 1
        conversation.updated_at = utcnow()
        self.session.add(conversation)

    def clear_flow(self) -> None:
        """Leave any flow; its buttons go stale."""
        if self.conversation is not None:
            self.set_flow(None)

    async def current_assessment(self) -> Assessment | None:
        """The participant's assessment the flow data points at (``None`` if none, or not theirs)."""
        assessment_id = self.data.get("assessment")
        if assessment_id is None or self.participant is None:
            return None
        if self.assessment is None or self.assessment.id != assessment_id:
            self.assessment = await stored_assessments.get_assessment(
                self.session, assessment_id=assessment_id, participant=self.participant
            )
        return self.assessment

    async def answers_of(self, assessment: Assessment) -> dict[str, str]:
        """The assessment's current answer per action code (read at most once per update; do not modify)."""
        return (await self._sheet(assessment)).values

    async def set_answers(self, assessment: Assessment, answers: Mapping[str, str]) -> dict[str, str | None]:
        """Set answers in an assessment, with their history; returns each action's previous value."""
        sheet = await self._sheet(assessment)
        return await stored_assessments.set_answers(self.session, assessment=assessment, answers=answers, sheet=sheet)

    async def notes_of(self, assessment: Assessment, code: str) -> list[Note]:
        """The notes on one action of the assessment (no query when the assessment is known to have none)."""
        sheet = self._sheets.get(assessment.id or 0)
        if sheet is not None and sheet.notes == 0:
            return []
        return await stored_assessments.notes_of(self.session, assessment=assessment, code=code)

    async def add_note(self, assessment: Assessment, code: str, text: str) -> None:
        await stored_assessments.add_note(self.session, assessment=assessment, code=code, text=text)
        sheet = self._sheets.get(assessment.id or 0)
        if sheet is not None:
            sheet.notes = None  # not known any more: ask the database

    def hand_off(self, command: str, argument: str = "") -> None:
        """Go on with ``command`` (and its ``argument``) once this flow is done (its replies come after this flow's)."""
        self.handed_to = command
        self.handed_argument = argument

    def move(self, assessment: Assessment, cursor: str | None, *, trail: list[str] | None = None) -> None:
        """Point an assessment at its next question (``None``: nothing left); ``trail`` replaces the way back."""
        stored_assessments.move_assessment(self.session, assessment=assessment, cursor=cursor, trail=trail)
        if self.conversation is not None:
            self._moved_on(self.conversation)

    def state(self) -> stored_participants.ParticipantState | None:
        """What the user's next update would read back now, as the engine keeps it (``None``: read it again).

        Call it after the commit. The answers are a copy: the next turn changes its own.
        """
        participant, conversation, assessment = self.participant, self.conversation, self.assessment
        if participant is None or conversation is None:
            return None
        pointer = conversation.data.get("assessment")
        if pointer is None:
            assessment = None
        elif assessment is None or assessment.id != pointer or assessment.participant_id != participant.id:
            return None  # pointing at an assessment this turn did not load: the query knows it
        sheet = self._sheets.get(assessment.id or 0) if assessment is not None else None
        answers = stored_assessments.AnswerSheet(dict(sheet.values), sheet.notes) if sheet is not None else None
        city = stored_participants.loaded_city(self.session, city_id=participant.city_id)
        return stored_participants.ParticipantState(participant, conversation, assessment, answers, city)

    def forget_participant(self) -> None:
        """After the participant's data is deleted: nothing about them is left to use, nor kept with the update."""
        self.participant = self.conversation = self.assessment = None
        self._sheets.clear()
        self.forgotten = True

    async def _sheet(self, assessment: Assessment) -> stored_assessments.AnswerSheet:
        assert assessment.id is not None
        sheet = self._sheets.get(assessment.id)
        if sheet is None:
            sheet = self._sheets[assessment.id] = await stored_assessments.answers_of(
                self.session, assessment=assessment
            )
        return sheet

    @property
    def flow(self) -> str | None:
        return self.conversation.flow if self.conversation is not None else None

    @property
    def step(self) -> str | None:
        return self.conversation.step if self.conversation is not None else None

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.conversation.data) if self.conversation is not None else {}
