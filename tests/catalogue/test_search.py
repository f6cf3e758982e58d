"""Free-text search: what officials type in, the matching actions out, chatter rejected."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

import catalogue.search as search_module
from catalogue import Catalogue, Match
from catalogue.loader import read_catalogue


@pytest.fixture(scope="module")
def smr() -> Catalogue:
    return Catalogue.load()


def codes(matches: list[Match]) -> list[str]:
    return [match.action.code for match in matches]


def assert_found(matches: list[Match], expected: set[str]) -> None:
    """One of the expected actions is among the results, and the best result is confident."""
    assert expected & set(codes(matches)), f"expected one of {sorted(expected)}, got {codes(matches)}"
    assert matches[0].confident, f"top match not confident: {matches[0]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("emissions target", {"L1M4"}),
        ("leading indicators", {"L4A2"}),
        ("stakeholder mapping", {"C1S1"}),
        ("disaster fund", {"I2S3"}),
        ("legal framework for stakeholders", {"L2A1"}),
        ("public website", {"C1S2"}),
        ("contingency plans infrastructure", {"I1S3"}),
        ("volunteer network", {"P2R1"}),
    ],
)
def test_keyword_queries_find_the_action(smr: Catalogue, text: str, expected: set[str]) -> None:
    assert_found(smr.search(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("backup generators so the power never goes off", {"I1M3", "I1S3"}),
        ("firefighters and police practising together", {"P2S1"}),
        ("lessons for pupils", {"P2A3"}),
        ("set up a task force", {"L1S1"}),
        ("money set aside for disasters", {"I2S3"}),
        ("get the university researchers involved", {"C1A2"}),
    ],
)
def test_everyday_words_match_through_keywords(smr: Catalogue, text: str, expected: set[str]) -> None:
    assert_found(smr.search(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("volunterr training", {"P2M1", "P2A1"}),
        ("insurence for housholds", {"I2R2"}),
        ("critcal infrastructure maintenence", {"I1M2"}),
        ("resilience acton plan budjet", {"I2M1"}),
        ("stakeholdr mappng", {"C1S1"}),
    ],
)
def test_typos_and_missing_letters(smr: Catalogue, text: str, expected: set[str]) -> None:
    assert_found(smr.search(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I'm the new deputy mayor and honestly we have no idea who in the administration is responsible "
            "for resilience, should we set up a dedicated team first?",
            {"L1S1", "L1M1"},
        ),
        (
            "Last winter the storm knocked out power at the main hospital for two days, and I want to know what "
            "plans we should have so that critical infrastructure keeps running",
            {"I1S3", "I1M3"},
        ),
        (
            "our council is thinking about joining some international network of cities working on resilience "
            "so we can exchange experiences",
            {"C2A1", "C2R1", "C2T1"},
        ),
    ],
)
def test_long_sentences_with_context(smr: Catalogue, text: str, expected: set[str]) -> None:
    assert_found(smr.search(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("which of our facilities would hurt us most if they stopped", {"P1S2"}),
        ("cities that share our flooding problem, should we partner with them", {"C2M1"}),
        ("get local firms ready to keep trading after a disaster", {"I2A3"}),
        ("where can we find cash for this", {"I2S1"}),
        ("can companies borrow our generators and crews during a blackout", {"I2M2"}),
        ("keep an eye on how the electricity grid is doing", {"I1S2"}),
    ],
)
def test_paraphrases_match_through_examples_and_concepts(smr: Catalogue, text: str, expected: set[str]) -> None:
    # None of these sentences uses the action's title words; examples and the concept lexicon bridge the gap.
    assert_found(smr.search(text), expected)


@pytest.mark.parametrize(
    ("text", "variant"),
    [
        ("redundancy of critical infrastructure", "infrastructure critical redundancy"),
        ("redundancy of critical infrastructure", "REDUNDANCY of Critical Infrastructure!!!"),
        ("public consultation, action plan", "action plan ... public consultation?"),
        ("training for private companies", "companies private training"),
    ],
)
def test_word_order_case_and_punctuation_do_not_matter(smr: Catalogue, text: str, variant: str) -> None:
    first, second = smr.search(text), smr.search(variant)
    assert codes(first) == codes(second)
    assert [m.score for m in first] == pytest.approx([m.score for m in second])


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "hi there, thanks!",
        "tell me a joke",
        "what time is lunch?",
        "asdfgh",
        "qwertz uiop",
        "🙂🙂🙂",
        "👍",
        "?!?",
        "42",
        "where can I park my car",
        "how tall is the eiffel tower",
        "can you book me a taxi to the airport",
        "is it going to rain this afternoon",
    ],
)
def test_off_topic_has_no_confident_match(smr: Catalogue, text: str) -> None:
    assert not any(match.confident for match in smr.search(text))


@pytest.mark.parametrize(
    "text",
    [
        # one generic word, even one the catalogue uses inside a phrase ("stress test", "first aid")
        "test",
        "test test test",
        "meeting",
        "today",
        "first",
        "first things first",
        "is the meeting today or tomorrow",
        # small talk and office logistics
        "good morning, how are you",
        "see you at lunch",
        "can you book the meeting room for 3pm",
        "who has the key to the storage room",
        "please send me the minutes",
        "the wifi is down again",
        # other services of the city hall
        "how do I renew my parking permit",
        "when is the rubbish collected on my street",
        "what are the opening hours of the library",
        "I need a new id card",
        # office requests that share the field's words ("audit committee", "social media"): see REQUEST_ODDS
        "please draft the agenda for thursday's audit committee",
        "write a social media post about the new swimming pool opening hours",
        "who signs off the budget for the staff summer barbecue",
        "is there a training course on excel pivot tables this spring",
        "how do i renew the insurance for the mayor's official car",
    ],
)
def test_chatter_needs_evidence_from_the_field(smr: Catalogue, text: str) -> None:
    assert not any(match.confident for match in smr.search(text))


def test_a_phrase_of_the_field_is_evidence_where_its_generic_word_is_not(smr: Catalogue) -> None:
    assert smr.search("stress test of our infrastructure")[0].confident
    assert not smr.search("test")[0].confident


def test_a_concept_match_says_which_words_it_joined(smr: Catalogue) -> None:
    best = smr.search("where can we find cash for this")[0]
    assert best.action.code == "I2S1"
    assert "cash ~ funding" in best.why


@pytest.mark.parametrize(
    "text", ["risk assessment", "funding for our plan", "emergancy drils", "get local firms ready after a disaster"]
)
def test_every_match_says_why(smr: Catalogue, text: str) -> None:
    for match in smr.search(text):
        assert match.why and all(isinstance(reason, str) and reason for reason in match.why)


@pytest.mark.parametrize(
    "text", ["", "   ", "\n\t ", "x" * 10_000, "🙂" * 5_000, "zq-" * 4_000, "a" * 50 + " " + "b-" * 3000]
)
def test_empty_whitespace_and_huge_input_are_safe(smr: Catalogue, text: str) -> None:
    matches = smr.search(text)
    assert not any(match.confident for match in matches)
    if not text.strip():
        assert matches == []


@pytest.mark.parametrize("limit", [0, 1, 3, 5, 20])
def test_limit_is_respected(smr: Catalogue, limit: int) -> None:
    matches = smr.search("emergency drills and training with volunteers", limit=limit)
    assert len(matches) <= limit
    if limit:
        assert matches


@pytest.mark.parametrize(
    "text", ["risk assessment", "funding for community groups", "who are our stakeholders", "hello", "emergancy"]
)
def test_results_best_first_with_scores_in_range(smr: Catalogue, text: str) -> None:
    matches = smr.search(text, limit=10)
    scores = [match.score for match in matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 100.0 for score in scores)
    assert len(set(codes(matches))) == len(matches)


@pytest.mark.parametrize("text", ["risk assessment", "emergancy drils", "insurance for households", "school kids"])
def test_confident_matches_say_why(smr: Catalogue, text: str) -> None:
    confident = [match for match in smr.search(text) if match.confident]
    assert confident
    for match in confident:
        assert match.terms and all(isinstance(term, str) and term for term in match.terms)


def test_typos_are_explained_with_the_catalogue_spelling(smr: Catalogue) -> None:
    reasons = " ".join(smr.search("emergancy drils")[0].terms)
    assert "emergency" in reasons and "drill" in reasons
    assert "emergancy" not in reasons


def test_a_word_of_ordinary_text_is_a_word_of_its_own_never_two_of_the_catalogues(smr: Catalogue) -> None:
    # "schoolchildren" is no word of the frequency list: two known words joined, split into "school" and "children".
    assert {"school", "children"} <= {term for match in smr.search("schoolchildren") for term in match.terms}
    # "password" and "breakfast" are ordinary words: not "pass" + "word" nor "break" + "fast", so nothing matches them.
    assert smr.search("password") == [] and smr.search("breakfast") == []


TINY_CATALOGUE = """
catalogue:
  id: tiny
  name: Tiny test model
  version: "0.1"
  language: {language}
  source: tests
domains:
  - code: W
    name: Water
  - code: F
    name: Food
stages:
  - code: B
    name: Basic
    description: First steps.
  - code: G
    name: Good
    description: Doing well.
areas:
  - code: W1
    domain: W
    title: {water_area}
    keywords: [{water_area_keywords}]
  - code: F1
    domain: F
    title: {food_area}
    keywords: []
actions:
  - code: W1B1
    area: W1
    stage: B
    title: {a1}
    keywords: [{k1}]
  - code: W1G1
    area: W1
    stage: G
    title: {a2}
    keywords: [{k2}]
  - code: F1B1
    area: F1
    stage: B
    title: {a3}
    keywords: [{k3}]
  - code: F1G1
    area: F1
    stage: G
    title: {a4}
    keywords: []
"""

ENGLISH = dict(
    language="en",
    water_area="Drinking water supply",
    water_area_keywords="tap water, wells",
    food_area="Food security",
    a1="Map the wells and reservoirs of the town",
    k1="groundwater, boreholes, water sources",
    a2="Install leak detection on the pipe network",
    k2="burst pipes, water loss, smart meters",
    a3="Stockpile grain for a bad harvest",
    k3="famine, food reserve, granary",
    a4="Support urban gardening",
)

GERMAN = dict(
    language="de",
    water_area="Trinkwasserversorgung",
    water_area_keywords="Leitungswasser, Brunnen",
    food_area="Ernährungssicherheit",
    a1="Brunnen und Speicher der Stadt erfassen",
    k1="Grundwasser, Bohrlöcher, Wasserquellen",
    a2="Lecksuche im Leitungsnetz einrichten",
    k2="Rohrbruch, Wasserverluste, intelligente Zähler",
    a3="Getreidevorräte für schlechte Ernten anlegen",
    k3="Hungersnot, Lebensmittelreserve",
    a4="Urbanes Gärtnern fördern",
)


def tiny(tmp_path: Path, fields: dict[str, str]) -> Catalogue:
    path = tmp_path / f"tiny-{fields['language']}.yaml"
    path.write_text(TINY_CATALOGUE.format(**fields), encoding="utf-8")
    return Catalogue.load(path)


@pytest.mark.parametrize(
    ("fields", "text", "expected"),
    [
        (ENGLISH, "where are our boreholes", "W1B1"),
        (ENGLISH, "reservoirs map", "W1B1"),
        (ENGLISH, "smart meters to find burst pipes", "W1G1"),
        (ENGLISH, "pipe leaks", "W1G1"),
        (ENGLISH, "granery stocks for a bad harvest", "F1B1"),
        (ENGLISH, "URBAN GARDENING!", "F1G1"),
        (GERMAN, "Rohrbruch im Netz", "W1G1"),
        (GERMAN, "wo sind unsere Brunnen", "W1B1"),
        (GERMAN, "Getreidevorrat", "F1B1"),
        (GERMAN, "Gartnern in der Stadt fordern", "F1G1"),
    ],
)
def test_works_on_any_catalogue(tmp_path: Path, fields: dict[str, str], text: str, expected: str) -> None:
    matches = tiny(tmp_path, fields).search(text)
    assert matches and matches[0].action.code == expected
    assert matches[0].terms
    assert matches[0].confident  # scores mean the same on a 4-action catalogue as on the 96-action SMR model


def test_a_city_catalogue_can_bring_its_own_concepts(tmp_path: Path) -> None:
    plain = tiny(tmp_path, ENGLISH)
    path = tmp_path / "tiny-concepts.yaml"
    path.write_text(
        TINY_CATALOGUE.format(**ENGLISH) + "concepts:\n  - name: groundwater\n    words: [aquifer, groundwater]\n",
        encoding="utf-8",
    )
    with_concepts = Catalogue.load(path)
    assert not plain.search("aquifer")  # a word the catalogue does not know
    best = with_concepts.search("aquifer map")[0]
    assert best.action.code == "W1B1" and best.confident
    assert "aquifer ~ groundwater" in best.why


def test_every_word_of_the_packaged_lexicon_is_searchable(smr: Catalogue) -> None:
    # An entry of stop words or of one content word in a phrase ("in charge") would be silently ignored.
    index = search_module.SearchIndex(read_catalogue())
    ignored = [word for concept in smr.concepts for word in concept.words if not index._entry_terms(word)]
    assert ignored == []


def test_the_index_needs_the_catalogue_data_not_the_catalogue_class() -> None:
    source = Path(search_module.__file__).read_text(encoding="utf-8")
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom) and node.module}
    assert "catalogue.catalogue" not in imported
    index = search_module.SearchIndex(read_catalogue())
    assert index.search("stakeholder mapping")[0].action.code == "C1S1"


@pytest.mark.parametrize(("fields", "text"), [(ENGLISH, "tell me a joke"), (ENGLISH, "hello"), (GERMAN, "xyzzy")])
def test_tiny_catalogue_rejects_chatter(tmp_path: Path, fields: dict[str, str], text: str) -> None:
    assert not any(match.confident for match in tiny(tmp_path, fields).search(text))


# --- evidence that means something (issue 19) -------------------------------------------------------

OWN_QUESTIONS = Path(__file__).resolve().parents[2] / "benchmarks" / "questions" / "own.yaml"


@pytest.fixture(scope="module")
def index() -> search_module.SearchIndex:
    return search_module.SearchIndex(read_catalogue())


def own_questions() -> list[str]:
    return [str(item["q"]) for item in yaml.safe_load(OWN_QUESTIONS.read_text(encoding="utf-8"))["questions"]]


def asked(reason: str) -> str:
    """The question's own word of a reason ("cash ~ funding" -> "cash")."""
    return reason.partition("~")[0].strip()


def test_why_never_lists_only_generic_words_over_the_whole_own_set(index: search_module.SearchIndex) -> None:
    generic = search_module.GENERIC_SPECIFICITY
    confident = 0
    for question in own_questions():
        for match in index.search(question):
            if not match.confident:
                continue
            confident += 1
            strengths = [index.word_specificity(asked(reason)) for reason in match.why]
            assert strengths[0] >= generic, (question, match.action.code, match.why, strengths)
    assert confident > 150  # the set is mostly answerable: the check ran on real answers


def test_the_first_answer_is_the_first_match_over_the_whole_own_set(index: search_module.SearchIndex) -> None:
    # The bot answers with the confident matches among those it asks for: a confident match ranked below one that
    # is not would be an answer the search itself ranks second. Confident matches come first, or not at all.
    answered = 0
    for question in own_questions():
        sure = [match.confident for match in index.search(question, limit=8)]
        assert sure == sorted(sure, reverse=True), (question, sure)
        answered += any(sure)
    assert answered > 250  # most of the set is answered: the check ran on real answers


def test_which_words_are_everyday_is_learned_from_data(index: search_module.SearchIndex) -> None:
    # Common in ordinary text or spread over the catalogue: everyday; rare and concentrated: the field's.
    specificity = {word: index.word_specificity(word) for word in ("plan", "city", "flood", "stakeholder")}
    assert max(specificity["plan"], specificity["city"]) < search_module.GENERIC_SPECIFICITY
    assert min(specificity["flood"], specificity["stakeholder"]) >= search_module.GENERIC_SPECIFICITY
    ordinary = search_module._ordinary_frequency("en")
    assert ordinary["citi"] > ordinary["flood"] > ordinary.get("stakehold", 0.0)


def test_the_catalogues_own_everyday_words_never_make_a_match_confident(index: search_module.SearchIndex) -> None:
    # The commonest words of the catalogue that the data rates generic, alone or together: never confident.
    frequency: dict[str, int] = {}
    for action in index.actions:
        for text in (action.title, *action.keywords, *action.examples):
            for word in text.lower().split():
                if word.isalpha() and index.word_specificity(word) < search_module.GENERIC_SPECIFICITY:
                    frequency[word] = frequency.get(word, 0) + 1
    everyday = sorted(frequency, key=lambda word: (-frequency[word], word))[:60]
    assert {"plan", "city"} <= set(everyday)
    # Three at a time, apart (an unknown word between them), so no phrase of the field forms.
    queries = everyday + [" zzq ".join(everyday[i : i + 3]) for i in range(0, len(everyday), 3)]
    confident = [query for query in queries if any(match.confident for match in index.search(query))]
    assert confident == []


@pytest.mark.parametrize(
    "text",
    [
        "can someone help me plan the team barbecue",
        "the council meeting starts at ten",
        "our network printer needs a new cartridge",
        "good luck with the new job",
        "where do I book a training room",
        "we want to start a book group",
    ],
)
def test_office_messages_made_of_the_catalogues_words_are_not_answered(smr: Catalogue, text: str) -> None:
    assert not any(match.confident for match in smr.search(text))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("order pizza for the finance department farewell dinner", "finance department"),
        ("a recipe for the civil protection volunteers' barbecue", "civil protection volunteers"),
    ],
)
def test_a_request_mostly_about_what_the_catalogue_does_not_know_is_not_answered(
    smr: Catalogue, text: str, field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The field's words it names are answered on their own; amid more words of ordinary text the catalogue does not
    # know at all (pizza, farewell, recipe, barbecue), the request is about something else.
    assert smr.search(field, limit=8)[0].confident
    assert not any(match.confident for match in smr.search(text, limit=8))
    monkeypatch.setattr(search_module, "FOREIGN_WEIGHT", 0.0)  # what the field's words alone would say
    assert smr.search(text, limit=8)[0].confident


CONTEXT = (
    "Last spring we ran a big exercise with the fire brigade and many volunteers, and the sirens worked well. "
    "The schools took part too and the press was positive. "
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How do we get households to insure themselves against damage?", {"I2R2", "I2T2"}),
        ("Where do we find the funding to pay for all of this?", {"I2S1", "I2M1"}),
    ],
)
def test_the_question_of_a_long_message_leads_and_its_context_follows(
    smr: Catalogue, question: str, expected: set[str]
) -> None:
    for text in (CONTEXT + question, question + " " + CONTEXT):
        best = smr.search(text)[0]
        assert best.action.code in expected and best.confident, (text, best)
    assert smr.question_of(CONTEXT + question) == question


def test_a_short_message_is_weighed_whole(smr: Catalogue) -> None:
    assert smr.question_of("flood drills... in schools?") is None
    assert smr.question_of("how do we start a resilience plan") is None


GOVERNANCE = {"P1S1", "P1A1", "P1S3", "L4M1", "L1M3", "I1M4", "I1S3", "I1S2", "C1S2"}
"""Planning, risk assessment, warning and continuity actions: what a question about a hazard implies."""


@pytest.mark.parametrize(
    "hazard",
    ["storms", "an earthquake", "drought", "a cyber attack", "a pandemic", "power cuts", "a heatwave", "floods"],
)
def test_a_hazard_leads_to_the_governance_it_implies_and_is_named(smr: Catalogue, hazard: str) -> None:
    matches = smr.search(f"what should we do about {hazard}?")
    assert GOVERNANCE & set(codes(matches)), codes(matches)
    named = hazard.removeprefix("a ").removeprefix("an ")
    assert all(match.hazard == named for match in matches)
    assert not any(match.confident and match.action.code not in GOVERNANCE for match in matches[:1])


def test_no_hazard_is_read_where_none_is_named(smr: Catalogue) -> None:
    assert all(match.hazard == "" for match in smr.search("stakeholder mapping"))


@pytest.mark.parametrize(
    "text", ["how can we persuade our leaders to back resilience", "we need political support for this work"]
)
def test_convincing_a_leader_finds_the_governance_that_builds_commitment(smr: Catalogue, text: str) -> None:
    best = smr.search(text)[0]
    assert best.action.code in {"L1S1", "L1S2", "L1M1"} and best.confident, best


# --- calibration and context (issue 19, second round) ------------------------------------------------


def test_a_question_that_names_nothing_leaves_the_ranking_to_its_context(smr: Catalogue) -> None:
    # "Is there an action for that?" says nothing of the field: the sentences before it say what it is about.
    text = (
        "We run a volunteer network of 200 people. Our neighbourhoods keep asking about home insurance "
        "for households. Is there an action for that?"
    )
    best = smr.search(text)[0]
    assert best.action.code in {"I2R2", "I2T2"} and best.confident, best
    assert smr.question_of(text) == "Is there an action for that?"  # the flow still sees the generic question


def test_a_question_that_names_a_topic_still_leads_its_context(smr: Catalogue) -> None:
    text = "We run a volunteer network of 200 people and the sirens work. How do households insure their homes?"
    assert smr.search(text)[0].action.code in {"I2R2", "I2T2"}


def test_a_hazard_question_with_a_topic_of_its_own_leads_with_that_topic(smr: Catalogue) -> None:
    # The flood's implications (planning, warning, continuity) rank below what the question itself asks for.
    best = smr.search("how do we keep the pumps and sewers maintained before the floods come")[0]
    assert best.action.code == "I1M2" and best.confident and best.hazard == "floods", best


def test_when_evidence_ties_the_earlier_stage_comes_first(tmp_path: Path) -> None:
    # Two actions say the same words: the one of the earlier stage (B) leads, though the later one (W1G1)
    # comes first in the catalogue. Officials mostly ask how to start.
    same = tiny(tmp_path, {**ENGLISH, "a3": ENGLISH["a2"], "k3": ENGLISH["k2"]})
    matches = same.search("smart meters to find burst pipes")
    assert codes(matches)[:2] == ["F1B1", "W1G1"]
    assert matches[0].score >= matches[1].score


def test_of_two_equal_matches_the_one_whose_area_holds_the_evidence_leads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A food action says exactly what a water action says; the question also names the water area's reservoirs,
    # so the evidence sits in the water area: its action leads, though the food one is of an earlier stage.
    same = tiny(tmp_path, {**ENGLISH, "a3": ENGLISH["a2"], "k3": ENGLISH["k2"]})
    text = "smart meters to find burst pipes, and our reservoirs"
    assert codes(same.search(text))[:2] == ["W1G1", "F1B1"]
    monkeypatch.setattr(search_module, "AREA_VOTE", 0.0)  # without it the tie goes to the earlier stage
    assert codes(Catalogue.load(same.path).search(text))[:2] == ["F1B1", "W1G1"]


def test_a_superlative_is_read_as_its_adjective(tmp_path: Path) -> None:
    # The English stemmer leaves "smartest" whole; the catalogue knows "smart meters".
    matches = tiny(tmp_path, ENGLISH).search("the smartest meters")
    assert codes(matches)[:1] == ["W1G1"] and matches[0].confident
    assert matches[0].why == ("smartest meters",)  # in the words typed


def test_a_noun_in_er_is_no_comparative(smr: Catalogue) -> None:
    # "heater" is no "heat" (a hazard's word): nothing of the office heater is read as a heatwave.
    assert all(match.hazard == "" for match in smr.search("the heater in my office is broken"))
