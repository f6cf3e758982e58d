"""Free-text questions (any text outside a pending question, or ``/ask TEXT``): matching actions.

Shows the confident matches with code, area, stage and a one-line reason (the words that
matched, and how); when nothing matches confidently, says so and offers to browse. Beyond that:

* the whole message is read (up to Telegram's 4,096 characters), and in a long one the
  question itself ("... but I don't know where to start") weighs most (the search does that);
* a question naming a hazard is told which hazard was read;
* when nothing matches confidently it says so, and offers to browse and the official's own
  next steps (or a check-in to find them);
* a question of only generic words ("what should we do first?", "where do we start?") gets
  the official's own next steps, never a match decided by "first";
* for an official with answers, matches are ranked with their results in mind: their next
  steps first, what they have done last, each with one line saying why;
* a question in another language citybot speaks is answered in that language (catalogue, texts and
  ``why``), with an offer to speak it from now on; one in a language it does not speak is told which
  languages it reads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from catalogue import Action, Answer, Catalogue, Match, city_maturity, next_actions
from catalogue.language import fold, known_languages, language_words
from conversations.choices import Language, Prefix, navigation_choice
from conversations.flows import onboarding
from conversations.flows.menu import shortcuts
from conversations.flows.results import action_button, stage_name
from conversations.flows.wording import button_title, shorten
from conversations.messages import Option, Reply
from conversations.texts import Texts
from conversations.turn import Turn

MAX_QUESTION_LENGTH = 4096
"""Telegram's limit for one message: all of it is read."""
SEARCH_LIMIT = 3
CANDIDATES = 8
RANK_MARGIN = 15
"""A next step of the official's moves ahead of better matches within this many points (of 100)."""
"""Matches considered before ranking with the official's results (the best ``SEARCH_LIMIT`` are shown)."""
NEXT_TITLE = 60
"""Characters of a next step's title in the answer to "what should we do first?"."""
OTHER_SCRIPT_SHARE = 0.5
"""A message whose letters are mostly outside the Latin script is in another language."""
LANGUAGE_EVIDENCE = 2
"""How many more common words of another language than of the texts' one make a message that language."""


async def start(turn: Turn, argument: str) -> list[Reply]:
    if not argument.strip():
        return [turn.say("ask.usage")]
    return await answer(turn, argument)


def words_of(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.casefold())


def listed(turn: Turn, key: str) -> frozenset[str]:
    """A list of words kept in the texts (so each language has its own)."""
    return frozenset(turn.t(key).casefold().split())


def other_language(turn: Turn, text: str) -> str | None:
    """The language code a message is clearly in, when it is not the texts' language (``None`` otherwise).

    Told by the commonest short words of each language (``catalogue/data/language-<code>.yaml``), accents
    ignored; a message mostly in another script is ``"other"``.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if letters:
        other_script = sum("LATIN" not in unicodedata.name(ch, "") for ch in letters)
        if other_script / len(letters) > OTHER_SCRIPT_SHARE:
            return "other"
    own = turn.texts.language
    words = [fold(word) for word in words_of(text)]
    counts = {code: sum(word in language_words(code).common for word in words) for code in known_languages()}
    best = max(counts, key=lambda code: counts[code])
    if best != own and counts[best] - counts.get(own, 0) >= LANGUAGE_EVIDENCE:
        return best
    return None


def readable(turn: Turn) -> str:
    """The languages citybot reads, named in the reader's language ("English, Spanish and French")."""
    return turn.texts.join([turn.t(f"ask.languages.{code}") for code in turn.languages])


def generic(turn: Turn, text: str, matches: list[Match]) -> bool:
    """The question is only generic words ("what should we do first?"): nothing in it names a topic."""
    vague = listed(turn, "ask.generic_words")
    content = [word for word in words_of(text) if word not in vague]
    if not content:
        return True
    matched = {word for match in matches for term in match.terms for word in words_of(term)}
    return bool(matches) and matched <= vague


def spelling(catalogue: Catalogue, question: str) -> dict[str, str]:
    """Accent-folded word -> as the official typed it, else as the catalogue spells it (accents put back)."""
    typed = {fold(word): word for word in words_of(question) if fold(word) != word}
    return {**catalogue.spelling, **typed} if typed else catalogue.spelling


def spelt(text: str, spellings: Mapping[str, str]) -> str:
    """A reason's words with their accents back ("planificacion" -> "planificación")."""
    return re.sub(r"[^\W\d_]+", lambda word: spellings.get(word[0], word[0]), text) if spellings else text


def explain(texts: Texts, match: Match, spellings: Mapping[str, str] | None = None) -> str:
    """Why an action matched: the words it shares with the question, and the related words it matched through.

    In the words of ``texts`` (the chat's, or ``citybot ask``'s), accents put back with ``spellings``.
    """
    spellings = spellings or {}
    if match.why:
        parts = []
        for item in match.why:
            asked, _, via = (spelt(part.strip(), spellings) for part in item.partition("~"))
            parts.append(texts.get("ask.term_via", term=asked, word=via) if via else texts.get("ask.term", term=asked))
        return texts.get("ask.reason_terms", terms=", ".join(parts))
    if match.terms:
        terms = ", ".join(texts.get("ask.term", term=spelt(term, spellings)) for term in match.terms)
        return texts.get("ask.reason_terms", terms=terms)
    return texts.get("ask.reason_wording")


async def answer(turn: Turn, text: str, *, pending: bool = False) -> list[Reply]:
    """The best matching actions for ``text``; stored as a question asked when the user has consented.

    Written in another language citybot speaks, it is answered in that language, with an offer to switch.
    """
    language = other_language(turn, " ".join(text.split())[:MAX_QUESTION_LENGTH])
    if language is None or language not in turn.languages:
        return await matching(turn, text, language, pending=pending)
    own = turn.texts.language
    turn.speak(language)
    replies = await matching(turn, text, None, pending=pending)
    offer = Reply(
        turn.t("language.offer"),
        options=(
            Option(turn.t("language.offer_yes"), Language(language).pack()),
            Option(turn.t("language.offer_no", own=turn.t(f"ask.languages.{own}")), Language(own).pack()),
        ),
    )
    return [*replies, offer]


async def matching(turn: Turn, text: str, language: str | None, *, pending: bool) -> list[Reply]:
    """The answer to a question in the language spoken (``language``: the other one it is in, if any)."""
    question = " ".join(text.split())
    notices = [turn.t("ask.truncated", limit=MAX_QUESTION_LENGTH)] if len(question) > MAX_QUESTION_LENGTH else []
    question = question[:MAX_QUESTION_LENGTH]
    if pending:
        notices.append(turn.t("ask.pending"))
    whole = text[:MAX_QUESTION_LENGTH]  # line breaks kept: they end sentences
    asked = turn.catalogue.question_of(whole) or question
    results = [] if language else turn.catalogue.search(whole, limit=CANDIDATES)
    found = [match for match in results if match.confident]
    vague = not language and generic(turn, asked, found)
    if vague:
        found = []
    answers = await own_answers(turn)
    matches = ranked(turn, found, answers)[:SEARCH_LIMIT]
    if turn.participant is not None:
        await turn.assessments.record_question(
            text=question,
            matches=[match.action.code for match in matches],
            confident=bool(matches),
        )
    if language:
        name = turn.t(f"ask.languages.{language}") if turn.texts.has(f"ask.languages.{language}") else ""
        key = "ask.other_language_named" if name else "ask.other_language"
        sentence = turn.t(key, language=name, languages=readable(turn))
        return [Reply("\n\n".join([sentence, *notices]), options=shortcuts(turn, "areas"))]
    if vague:
        return next_steps(turn, answers, notices)
    spellings = spelling(turn.catalogue, question)  # the question's own accents, for every word shown back
    if not matches:
        hazard = spelt(results[0].hazard, spellings) if results else ""
        return no_match(turn, answers, notices, hazard=hazard)
    lines = [turn.t("ask.intro", model=turn.catalogue.name)]
    if matches[0].hazard:
        lines.insert(0, turn.t("search.hazard", hazard=spelt(matches[0].hazard, spellings)))
    for match in matches:
        action = match.action
        area, stage = turn.catalogue.area(action.area), turn.catalogue.stage(action.stage)
        line = turn.t(
            "ask.match",
            code=action.code,
            title=action.title,
            area=area.code,
            area_title=area.title,
            stage=stage.name,
            reason=explain(turn.texts, match, spellings),
        )
        if answers:
            line += "\n" + standing(turn, action, answers)
        lines.append(line)
    options = tuple(
        Option(
            turn.t(
                "ask.details",
                code=match.action.code,
                title=button_title(turn.catalogue, match.action.code)[len(match.action.code) + 1 :],
            ),
            navigation_choice(Prefix.DETAILS, match.action.code),
        )
        for match in matches
    )
    return [Reply("\n\n".join([*lines, *notices]), options=options)]


def no_match(turn: Turn, answers: dict[str, Answer], notices: list[str], *, hazard: str = "") -> list[Reply]:
    """The honest "no": nothing matched confidently, so no guess; browse, or the official's own next steps.

    A question naming a hazard is told which hazard was read even then, so the official sees what was understood.
    """
    follow = "search.no_match_next" if answers else "search.no_match_checkin"
    read = [turn.t("search.hazard", hazard=hazard)] if hazard else []
    text = "\n\n".join([*read, turn.t("ask.no_match", model=turn.catalogue.name), turn.t(follow), *notices])
    return [Reply(text, options=shortcuts(turn, "areas", "next" if answers else "checkin"), columns=2)]


async def own_answers(turn: Turn) -> dict[str, Answer]:
    """The official's current answers (empty before onboarding)."""
    if not onboarding.onboarded(turn):
        return {}
    return {code: Answer(value) for code, value in (await turn.assessments.current_values()).items()}


def ranked(turn: Turn, matches: list[Match], answers: dict[str, Answer]) -> list[Match]:
    """Good matches in the order that helps this official: their next steps first (when nearly as good), then by score.

    What they have already done keeps its place and is marked as done (:func:`standing`).
    """
    if not answers or not matches:
        return matches
    upcoming = {a.code for actions in next_actions(turn.catalogue, answers).values() for a in actions}
    best = matches[0].score

    def order(match: Match) -> int:
        return 0 if match.action.code in upcoming and match.score >= best - RANK_MARGIN else 1

    return sorted(matches, key=order)  # stable: by score within each group


def standing(turn: Turn, action: Action, answers: dict[str, Answer]) -> str:
    """One line on where this action is for the official: done, one of their next steps, or for later."""
    state = city_maturity(turn.catalogue, answers)[action.area]
    if answers.get(action.code) == Answer.DONE:
        return turn.t("ask.yours_done")
    fresh = "_fresh" if state.stage_reached is None else ""
    reached = stage_name(turn, state.stage_reached)
    if action in state.next_actions:
        return turn.t(f"ask.yours_next{fresh}", stage=reached, area=action.area)
    first = stage_name(turn, state.next_stage) if state.next_stage else reached
    return turn.t(f"ask.yours_later{fresh}", stage=reached, area=action.area, next_stage=first)


def next_steps(turn: Turn, answers: dict[str, Answer], notices: list[str]) -> list[Reply]:
    """The answer to "what should we do first?": the official's most urgent next step of each domain."""
    if not answers:
        text = "\n\n".join([turn.t("ask.next_steps_unknown"), *notices])
        return [Reply(text, options=shortcuts(turn, "checkin", "assess"), columns=2)]
    catalogue = turn.catalogue
    recommended = next_actions(catalogue, answers)
    maturity = city_maturity(catalogue, answers)
    lines = [turn.t("ask.next_steps")]
    buttons = []
    for domain in catalogue.domains:
        actions = recommended[domain.code]
        if not actions:
            continue
        action = actions[0]
        state = maturity[action.area]
        reached = stage_name(turn, state.stage_reached)
        lines.append(
            turn.t(
                "ask.next_step" if state.stage_reached else "ask.next_step_fresh",
                code=action.code,
                title=shorten(action.title, NEXT_TITLE),
                area=action.area,
                stage=reached,
            )
        )
        buttons.append(action_button(turn, action.code))
    if len(lines) == 1:
        lines.append(turn.t("results.domain_complete").strip())
    buttons.append(Option(turn.t("results.all_next"), navigation_choice(Prefix.SHORTCUT, "next")))
    return [Reply("\n".join(lines) + "".join(f"\n\n{notice}" for notice in notices), options=tuple(buttons))]
