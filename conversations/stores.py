"""The flows' only way to storage: small stores, bound to one update, that a ``Turn`` hands out.

A flow asks ``turn.cities``, ``turn.participants``, ``turn.assessments``, ``turn.workshops`` or
``turn.reminders``; it never sees the session nor the storage functions behind them. So a change to
how something is stored is a change here and in ``conversations/storage/``, not a search of the
flows. Nothing here commits: the engine commits once per update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations import export_rows as exports
from conversations import group_results, report, rounds, screen, workshop_codes
from conversations.city_matching import match_cities
from conversations.group_results import GroupResult
from conversations.messages import ExportRow, GroupReport
from conversations.storage import assessments, participants, reports, updates, workshops
from conversations.storage import rounds as stored_rounds
from conversations.storage.models import (
    AnswerChange,
    AnswerRecord,
    AskedQuestion,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    City,
    Conversation,
    Coordinator,
    CoordinatorScope,
    Membership,
    Note,
    Participant,
    ProcessedUpdate,
    Reminder,
    ReminderKind,
    Workshop,
    WorkshopStatus,
)
from conversations.texts import Texts

__all__ = [
    "UNFINISHED",
    "AnswerRecord",
    "Assessment",
    "AssessmentKind",
    "AssessmentStatus",
    "Assessments",
    "Cities",
    "City",
    "CoordinatorScope",
    "Owner",
    "Participants",
    "Reminder",
    "ReminderKind",
    "Reminders",
    "Store",
    "Workshop",
    "WorkshopStatus",
    "Workshops",
]
"""The stores, and the rows' types and enums flows read through them (flows never import storage)."""

UNFINISHED = (AssessmentStatus.OPEN, AssessmentStatus.PAUSED)


class Owner(Protocol):
    """What the stores need of the turn that hands them out (a :class:`~conversations.turn.Turn`)."""

    session: AsyncSession
    catalogue: Catalogue
    texts: Texts
    participant: Participant | None
    min_group_size: int

    async def current_assessment(self) -> Assessment | None: ...

    def move(self, assessment: Assessment, cursor: str | None, *, trail: list[str] | None = None) -> None: ...


class Store:
    """A store reads and writes through its turn's session."""

    def __init__(self, owner: Owner) -> None:
        self._owner = owner

    @property
    def _session(self) -> AsyncSession:
        return self._owner.session

    def _participant(self) -> Participant:
        participant = self._owner.participant
        assert participant is not None, "only a consented participant has stored data"
        return participant


class Cities(Store):
    """Cities people work for, by id and by (fuzzily matched) name."""

    async def by_id(self, city_id: int | None) -> City | None:
        """The city (no query when the update's state loaded it)."""
        return await participants.city_by_id(self._session, city_id=city_id)

    async def match(self, name: str) -> tuple[City | None, list[City]]:
        """The city with exactly this (normalised) name, else known cities whose names are close."""
        return match_cities(name, await participants.cities(self._session))

    async def add(self, name: str) -> City:
        """The city with this name, created if it is new."""
        return await participants.add_city(self._session, name=name)


class Participants(Store):
    """The people who consented: their profile, and everything ``/mydata`` reads out and ``/forget`` deletes."""

    async def create(self, *, user_id: str, name: str, language: str | None) -> tuple[Participant, Conversation]:
        return await participants.create_participant(self._session, user_id=user_id, name=name, language=language)

    def set_city(self, participant: Participant, city: City) -> None:
        participants.set_city(self._session, participant=participant, city=city)

    def set_role(self, participant: Participant, role: str) -> None:
        participants.set_role(self._session, participant=participant, role=role)

    def set_language(self, participant: Participant, language: str) -> None:
        participants.set_language(self._session, participant=participant, language=language)

    def set_share_name(self, participant: Participant, share: bool) -> None:
        participants.set_share_name(self._session, participant=participant, share=share)

    async def delete(self, participant: Participant) -> None:
        """Delete the participant and everything that is theirs (see :func:`participants.delete_participant`)."""
        await participants.delete_participant(self._session, participant=participant)

    async def answer_rows(self, participant: Participant) -> list[reports.AnswerRow]:
        return await reports.answer_rows(self._session, participant=participant)

    async def questions_of(self, participant: Participant) -> list[AskedQuestion]:
        return await assessments.questions_of(self._session, participant=participant)

    async def answer_histories(self, participant: Participant) -> dict[int, list[AnswerChange]]:
        return await assessments.answer_histories(self._session, participant=participant)

    async def notes_of(self, participant: Participant) -> list[Note]:
        return await assessments.participant_notes(self._session, participant=participant)

    async def memberships_of(self, participant: Participant) -> list[tuple[Membership, Workshop]]:
        return await workshops.memberships_of(self._session, participant=participant)

    async def kept_replies(self, participant: Participant) -> list[ProcessedUpdate]:
        """The records of their updates whose replies are still kept for sending."""
        return await updates.kept_replies(self._session, user_id=participant.user_id)


class Assessments(Store):
    """An assessment's life the flows share: find the unfinished one, create, resume, pause, finish; rounds.

    A full assessment and a quick check-in are both assessments (``AssessmentKind``); the flows
    move through them (``Turn.move``), and everything else that happens to one happens here.
    Answers stay with the city they were given for: after a change of city (``/profile``) the
    earlier city's assessments and answers count no more, nor pre-fill anything.
    """

    def _of_city(self, found: Assessment | None) -> Assessment | None:
        return found if found is None or found.city_id == self._participant().city_id else None

    async def unfinished(self, kind: AssessmentKind) -> Assessment | None:
        """The participant's latest open or paused assessment of ``kind`` for their current city."""
        return self._of_city(
            await assessments.latest_assessment(
                self._session, participant=self._participant(), kind=kind, statuses=UNFINISHED
            )
        )

    async def latest(self, kind: AssessmentKind) -> Assessment | None:
        """The participant's latest assessment of ``kind`` for their current city, whatever its status."""
        return self._of_city(
            await assessments.latest_assessment(self._session, participant=self._participant(), kind=kind)
        )

    async def latest_finished(self) -> Assessment | None:
        """The participant's latest finished check-in or assessment for their current city: their last round."""
        return self._of_city(
            await assessments.latest_assessment(
                self._session, participant=self._participant(), statuses=(AssessmentStatus.FINISHED,)
            )
        )

    async def get(self, assessment_id: int | None) -> Assessment | None:
        """The participant's own assessment with this id (``None`` if none, or someone else's)."""
        return await assessments.get_assessment(
            self._session, assessment_id=assessment_id, participant=self._participant()
        )

    async def create(
        self, kind: AssessmentKind, *, cursor: str, status: AssessmentStatus = AssessmentStatus.OPEN
    ) -> Assessment:
        """A new assessment of ``kind`` against the loaded catalogue (its id and version are kept with it)."""
        catalogue = f"{self._owner.catalogue.id}@{self._owner.catalogue.version}"
        return await assessments.create_assessment(
            self._session, participant=self._participant(), kind=kind, catalogue=catalogue, cursor=cursor, status=status
        )

    def resume(self, assessment: Assessment) -> None:
        """Open an assessment again, as the latest one worked on."""
        assessments.set_status(self._session, assessment=assessment, status=AssessmentStatus.OPEN)

    def pause(self, assessment: Assessment) -> None:
        assessments.set_status(self._session, assessment=assessment, status=AssessmentStatus.PAUSED)

    async def pause_current(self) -> None:
        """Pause the full assessment the conversation is in, if it is open (leaving it for something else)."""
        assessment = await self._owner.current_assessment()
        if (
            assessment is not None
            and assessment.kind == AssessmentKind.FULL
            and assessment.status == AssessmentStatus.OPEN
        ):
            self.pause(assessment)

    def finish(self, assessment: Assessment) -> None:
        """Nothing left to ask: the assessment is finished (its answers stay, and count in the results)."""
        self._owner.move(assessment, None)
        assessments.set_status(self._session, assessment=assessment, status=AssessmentStatus.FINISHED)

    @staticmethod
    def is_finished(assessment: Assessment) -> bool:
        return assessment.status == AssessmentStatus.FINISHED

    def link(self, assessment: Assessment, workshop: Workshop) -> None:
        """Count the assessment's answers in the workshop."""
        workshops.link_assessment(self._session, assessment=assessment, workshop=workshop)

    async def current_answers(self) -> dict[str, tuple[AnswerRecord, Assessment]]:
        """Per action, the participant's latest answer for their current city, and the assessment it lives in."""
        participant = self._participant()
        latest = await assessments.current_answers(self._session, participant=participant)
        return {code: pair for code, pair in latest.items() if pair[1].city_id == participant.city_id}

    async def current_values(self) -> dict[str, str]:
        """Per action, the value of the latest answer for their current city (as :meth:`current_answers`)."""
        participant = self._participant()
        latest = await assessments.current_values(self._session, participant=participant)
        return {code: value for code, (value, of_city) in latest.items() if of_city == participant.city_id}

    async def implied_codes(self) -> set[str]:
        """The actions whose current answer (for the participant's city) a quick check-in implied."""
        participant = self._participant()
        return await assessments.implied_codes(self._session, participant=participant, city_id=participant.city_id)

    async def history(self) -> rounds.History:
        """The participant's rounds for their current city."""
        return await rounds.history(self._session, participant=self._participant())

    async def record_question(self, *, text: str, matches: Iterable[str], confident: bool) -> None:
        """A question the participant asked, with the actions it matched."""
        await assessments.record_question(
            self._session, participant=self._participant(), text=text, matches=matches, confident=confident
        )


class Workshops(Store):
    """Workshops, their coordinators, joining, and what a coordinator sees of a group's answers."""

    async def is_coordinator(self, *, user_id: str, username: str | None) -> bool:
        return await workshops.is_coordinator(self._session, user_id=user_id, username=username)

    async def scope(self, *, user_id: str, username: str | None) -> CoordinatorScope | None:
        """What this coordinator may see (``None``: not a coordinator)."""
        return await workshops.coordinator_scope(self._session, user_id=user_id, username=username)

    async def grant(self, *, user_id: str, username: str | None) -> Coordinator | None:
        return await workshops.coordinator_grant(self._session, user_id=user_id, username=username)

    async def granted_cities(self, grant: Coordinator) -> list[City]:
        return await workshops.granted_cities(self._session, coordinator=grant)

    async def coordinated_by(self, user_id: str) -> list[Workshop]:
        """The workshops someone opened or was added to."""
        return await workshops.coordinated_workshops(self._session, user_id=user_id)

    async def runs(self, scope: CoordinatorScope, workshop: Workshop) -> bool:
        return await workshops.runs_workshop(self._session, scope=scope, workshop=workshop)

    async def add_coordinator(self, workshop: Workshop, *, username: str) -> bool:
        """A co-coordinator by username; ``False`` when they already were one."""
        return await workshops.add_workshop_coordinator(self._session, workshop=workshop, username=username)

    async def by_code(self, code: str) -> Workshop | None:
        return await workshops.workshop_by_code(self._session, code=code)

    async def by_id(self, workshop_id: int) -> Workshop | None:
        return await workshops.workshop_by_id(self._session, workshop_id=workshop_id)

    async def all(self, *, status: WorkshopStatus | None = None) -> list[Workshop]:
        return await workshops.workshops(self._session, status=status)

    async def create(self, *, name: str, city: City | None, created_by: str | None) -> Workshop:
        """Open a workshop under a fresh code."""
        return await workshop_codes.create_workshop(self._session, name=name, city=city, created_by=created_by)

    def follow_up(self, workshop: Workshop, earlier: Workshop) -> None:
        """The workshop follows up ``earlier`` (its room shows both, area by area)."""
        workshop.follows_id = earlier.id
        self._session.add(workshop)

    def close(self, workshop: Workshop) -> None:
        workshops.close_workshop(self._session, workshop=workshop)

    def set_results_hidden(self, workshop: Workshop, *, hidden: bool) -> None:
        workshops.set_results_hidden(self._session, workshop=workshop, hidden=hidden)

    async def counts(self, workshop: Workshop) -> tuple[int, int]:
        """How many joined, and how many of them finished."""
        return await workshops.workshop_counts(self._session, workshop=workshop)

    async def questions(self, workshop: Workshop, *, limit: int) -> list[AskedQuestion]:
        return await workshops.workshop_questions(self._session, workshop=workshop, limit=limit)

    async def join_misses(self, participant: Participant, *, since: datetime) -> list[datetime]:
        return await workshops.join_misses(self._session, participant=participant, since=since)

    async def record_join_miss(self, participant: Participant, *, older_than: datetime) -> None:
        await workshops.record_join_miss(self._session, participant=participant, older_than=older_than)

    async def join(self, workshop: Workshop, participant: Participant) -> bool:
        """The participant joins; ``False`` when they had joined before."""
        return await workshops.join_workshop(self._session, workshop=workshop, participant=participant)

    async def unfinished_members(self, workshop: Workshop) -> list[Participant]:
        return await workshops.unfinished_members(self._session, workshop=workshop)

    async def issue_screen_link(self, workshop: Workshop) -> str:
        """A new secret token for the workshop's big screen."""
        return await screen.issue_link(self._session, workshop=workshop)

    async def results(self, workshop: Workshop) -> GroupResult:
        """The workshop's group results, under the engine's minimum group size."""
        owner = self._owner
        return await group_results.workshop_results(
            self._session, owner.catalogue, workshop=workshop, min_group_size=owner.min_group_size
        )

    async def city_results(self, city: City) -> GroupResult:
        """A city's results over its officials' latest answers, under the engine's minimum group size."""
        owner = self._owner
        return await group_results.city_results(
            self._session, owner.catalogue, city=city, min_group_size=owner.min_group_size
        )

    async def city_answers_at(self, city: City, moment: datetime) -> dict[int, dict[str, str]]:
        """Each official's answers for the city as they stood at ``moment``."""
        return await reports.city_answers_at(self._session, city=city, moment=moment)

    async def export_rows(self, *, workshop: Workshop | None = None, city: City | None = None) -> list[ExportRow]:
        return await exports.export_rows(self._session, self._owner.catalogue, workshop=workshop, city=city)

    async def earlier_rows(self, codes: set[str]) -> dict[str, list[ExportRow]]:
        return await exports.earlier_rows(self._session, self._owner.catalogue, codes=codes)

    async def report(self, workshop: Workshop, *, moment: datetime) -> GroupReport:
        """The workshop's PDF report's content, as of ``moment``."""
        owner = self._owner
        return await report.workshop_report(
            self._session,
            owner.catalogue,
            owner.texts,
            workshop=workshop,
            min_group_size=owner.min_group_size,
            moment=moment,
        )


class Reminders(Store):
    """Reminders waiting for people: listed, added once per key, turned off."""

    async def of(self, participant: Participant) -> list[Reminder]:
        return await stored_rounds.reminders_of(self._session, participant=participant)

    async def by_id(self, reminder_id: int) -> Reminder | None:
        return await stored_rounds.reminder_by_id(self._session, reminder_id=reminder_id)

    async def by_key(self, key: str) -> Reminder | None:
        return await stored_rounds.reminder_by_key(self._session, key=key)

    async def add(self, values: Mapping[str, Any]) -> bool:
        """A reminder, unless one with its key exists: whether it was new."""
        return await stored_rounds.add_reminder(self._session, values=values)

    def turn_off(self, reminder: Reminder) -> None:
        stored_rounds.turn_off_reminder(self._session, reminder=reminder)

    def reschedule(self, reminder: Reminder, *, due_at: datetime, months: int) -> None:
        """A round's reminder due at another time (turned on again if it was off)."""
        reminder.due_at, reminder.months, reminder.off_at = due_at, months, None
        self._session.add(reminder)
