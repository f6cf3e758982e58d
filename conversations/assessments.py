"""The assessment lifecycle the flows share: find the unfinished one, create, resume, pause, finish.

A full assessment and a quick check-in are both assessments (``AssessmentKind``); the flows
move through them (``Turn.move``), and everything else that happens to one happens here.
"""

from __future__ import annotations

from conversations.storage import repository
from conversations.storage.models import AnswerRecord, Assessment, AssessmentKind, AssessmentStatus
from conversations.turn import Turn

UNFINISHED = (AssessmentStatus.OPEN, AssessmentStatus.PAUSED)


async def unfinished(turn: Turn, kind: AssessmentKind) -> Assessment | None:
    """The participant's latest open or paused assessment of ``kind`` for their current city."""
    assert turn.participant is not None
    found = await repository.latest_assessment(
        turn.session, participant=turn.participant, kind=kind, statuses=UNFINISHED
    )
    return found if found is None or found.city_id == turn.participant.city_id else None


async def current_answers(turn: Turn) -> dict[str, tuple[AnswerRecord, Assessment]]:
    """Per action, the participant's latest answer for their current city, and the assessment it lives in.

    Answers stay with the city they were given for: after a change of city (``/profile``) the
    earlier city's answers count no more in this participant's results, nor pre-fill anything.
    """
    assert turn.participant is not None
    latest = await repository.current_answers(turn.session, participant=turn.participant)
    city = turn.participant.city_id
    return {code: pair for code, pair in latest.items() if pair[1].city_id == city}


async def create(
    turn: Turn, kind: AssessmentKind, *, cursor: str, status: AssessmentStatus = AssessmentStatus.OPEN
) -> Assessment:
    """A new assessment of ``kind`` against the loaded catalogue (its id and version are kept with it)."""
    assert turn.participant is not None
    catalogue = f"{turn.catalogue.id}@{turn.catalogue.version}"
    return await repository.create_assessment(
        turn.session, participant=turn.participant, kind=kind, catalogue=catalogue, cursor=cursor, status=status
    )


async def latest(turn: Turn, kind: AssessmentKind) -> Assessment | None:
    """The participant's latest assessment of ``kind`` for their current city, whatever its status."""
    assert turn.participant is not None
    found = await repository.latest_assessment(turn.session, participant=turn.participant, kind=kind)
    return found if found is None or found.city_id == turn.participant.city_id else None


async def latest_finished(turn: Turn) -> Assessment | None:
    """The participant's latest finished check-in or assessment for their current city: their last round."""
    assert turn.participant is not None
    found = await repository.latest_assessment(
        turn.session, participant=turn.participant, statuses=(AssessmentStatus.FINISHED,)
    )
    return found if found is None or found.city_id == turn.participant.city_id else None


def resume(turn: Turn, assessment: Assessment) -> None:
    """Open an assessment again, as the latest one worked on."""
    repository.set_status(turn.session, assessment=assessment, status=AssessmentStatus.OPEN)


def pause(turn: Turn, assessment: Assessment) -> None:
    repository.set_status(turn.session, assessment=assessment, status=AssessmentStatus.PAUSED)


async def pause_current(turn: Turn) -> None:
    """Pause the full assessment the conversation is in, if it is open (leaving it for something else)."""
    assessment = await turn.current_assessment()
    if assessment is not None and assessment.kind == AssessmentKind.FULL and assessment.status == AssessmentStatus.OPEN:
        pause(turn, assessment)


def finish(turn: Turn, assessment: Assessment) -> None:
    """Nothing left to ask: the assessment is finished (its answers stay, and count in the results)."""
    turn.move(assessment, None)
    repository.set_status(turn.session, assessment=assessment, status=AssessmentStatus.FINISHED)


def is_finished(assessment: Assessment) -> bool:
    return assessment.status == AssessmentStatus.FINISHED


async def current_values(turn: Turn) -> dict[str, str]:
    """Per action, the value of the participant's latest answer for their current city (as :func:`current_answers`)."""
    assert turn.participant is not None
    latest = await repository.current_values(turn.session, participant=turn.participant)
    city = turn.participant.city_id
    return {code: value for code, (value, of_city) in latest.items() if of_city == city}
