"""Free-text questions (any text outside a pending question, or ``/ask TEXT``): matching actions.

Shows the confident matches with code, area, stage and a one-line reason built from the
query words that matched; when nothing matches confidently, says so and offers to browse.
"""

from __future__ import annotations

from catalogue import Match
from conversations.choices import Prefix, navigation_choice
from conversations.flows.menu import shortcuts
from conversations.messages import Option, Reply
from conversations.storage import repository
from conversations.turn import Turn

MAX_QUESTION_LENGTH = 300
"""Longer messages are cut: a question is a sentence or two, not a document."""
SEARCH_LIMIT = 3


async def start(turn: Turn, argument: str) -> list[Reply]:
    if not argument.strip():
        return [turn.say("ask.usage")]
    return await answer(turn, argument)


def reason(turn: Turn, match: Match) -> str:
    if match.terms:
        return turn.t("ask.reason_terms", terms=", ".join(turn.t("ask.term", term=term) for term in match.terms))
    return turn.t("ask.reason_wording")


async def answer(turn: Turn, text: str, *, pending: bool = False) -> list[Reply]:
    """The best matching actions for ``text``; stored as a question asked when the user has consented."""
    question = " ".join(text.split())
    notices: list[str] = []
    if len(question) > MAX_QUESTION_LENGTH:
        question = question[:MAX_QUESTION_LENGTH]
        notices.append(turn.t("ask.truncated", limit=MAX_QUESTION_LENGTH))
    matches = [match for match in turn.catalogue.search(question, limit=SEARCH_LIMIT) if match.confident]
    if turn.participant is not None:
        await repository.record_question(
            turn.session,
            participant=turn.participant,
            text=question,
            matches=[match.action.code for match in matches],
            confident=bool(matches),
        )
    if pending:
        notices.append(turn.t("ask.pending"))
    if not matches:
        text = "\n\n".join([turn.t("ask.no_match", model=turn.catalogue.name), *notices])
        return [Reply(text, options=shortcuts(turn, "areas"))]
    lines = [turn.t("ask.intro", model=turn.catalogue.name)]
    for match in matches:
        action = match.action
        area, stage = turn.catalogue.area(action.area), turn.catalogue.stage(action.stage)
        lines.append(
            turn.t(
                "ask.match",
                code=action.code,
                title=action.title,
                area=area.code,
                area_title=area.title,
                stage=stage.name,
                reason=reason(turn, match),
            )
        )
    options = tuple(
        Option(turn.t("ask.details", code=match.action.code), navigation_choice(Prefix.DETAILS, match.action.code))
        for match in matches
    )
    return [Reply("\n\n".join([*lines, *notices]), options=options, columns=len(options))]
