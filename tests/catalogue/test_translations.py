"""The catalogue in other languages: translations read beside the catalogue, search with the language's own
words (stems, stop words, accents ignored, typos), and the shipped translations complete.

Stand-ins (tests/helpers/languages.py) test the machinery; the shipped files are tested when they exist.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue import Catalogue
from catalogue.language import language_words
from catalogue.loader import default_path
from catalogue.search import GENERIC_SPECIFICITY, _Analyzer
from tests.helpers.languages import stand_in_catalogue

SHIPPED = ("es", "fr", "pt")
QUESTIONS = {
    "es": ("¿cómo preparamos a los voluntarios para una emergencia?", {"P2S2", "P2M1", "P2R1", "P2A1"}),
    "fr": ("comment former les bénévoles aux situations d'urgence ?", {"P2S2", "P2M1", "P2R1", "P2A1"}),
    "pt": ("como preparamos os voluntários para uma emergência?", {"P2S2", "P2M1", "P2R1", "P2A1"}),
}


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    return Catalogue.load(stand_in_catalogue(tmp_path_factory.mktemp("es"), "es")).in_language("es")


def test_a_translation_is_the_same_catalogue_in_another_language(spanish: Catalogue) -> None:
    english = spanish.base
    assert english.languages == ("en", "es") and spanish.language == "es"
    assert [a.code for a in spanish.actions] == [a.code for a in english.actions]
    assert spanish.action("P2R1").title == "Crear una red sólida de voluntarios"
    assert spanish.action("P2R1").original == english.action("P2R1").title and not english.action("P2R1").original
    assert english.in_language("es") is spanish and english.in_language("nl") is english
    assert spanish.in_language("en") is english


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("planificación urbana", "planificacion urbana"),  # accents ignored
        ("red de voluntarios", "redes de voluntarias"),  # the Spanish stemmer: plural, feminine
        ("simulacros con voluntarios", "simulacro con los voluntarios"),  # stop words
        ("presupuesto municipal", "presupuetso municipal"),  # a typo
    ],
)
def test_spanish_search_reads_spanish(spanish: Catalogue, one: str, other: str) -> None:
    first, second = spanish.search(one), spanish.search(other)
    assert first and second and first[0].action.code == second[0].action.code
    assert first[0].action.code in {"L1S2", "P2R1", "P2M1", "I2M1"}


def test_a_spanish_question_finds_spanish_actions_with_spanish_reasons(spanish: Catalogue) -> None:
    [top, *_] = spanish.search("¿cómo preparamos a los voluntarios para una emergencia?")
    assert top.confident and top.action.code in {"P2M1", "P2R1", "P2S2"}
    assert any("voluntari" in reason for reason in top.why)


def test_portuguese_endings_are_stemmed_with_or_without_accents() -> None:
    analyzer = _Analyzer("pt", language_words("pt"))
    assert analyzer.terms("evacuação das escolas") == analyzer.terms("evacuacao das escolas")
    assert analyzer.stem("evacuacoes") == analyzer.stem("evacuação")
    assert "das" not in " ".join(analyzer.terms("evacuação das escolas"))  # a stop word


def test_english_analysis_is_untouched() -> None:
    analyzer = _Analyzer("en", language_words("en"))
    assert analyzer.terms("the flood drills") == analyzer.terms("flood drill")


@pytest.mark.parametrize("language", SHIPPED)
def test_a_shipped_translation_is_complete_and_searchable(language: str) -> None:
    path = default_path().with_name(f"smr-rmm.{language}.yaml")
    if not path.is_file():
        pytest.skip(f"{path.name} not shipped yet (translators write it)")
    english = Catalogue.load()
    translated = english.in_language(language)  # every problem would raise, with file and line
    assert translated.language == language and len(translated.actions) == len(english.actions)
    assert all(a.title and a.original == english.action(a.code).title for a in translated.actions)
    assert sum(a.title != a.original for a in translated.actions) >= 90  # translated, not copied
    question, expected = QUESTIONS[language]
    matches = translated.search(question)
    assert matches and matches[0].confident and {m.action.code for m in matches} & expected


def test_word_frequencies_are_shipped_for_each_language_with_search_words() -> None:
    data = Path(default_path()).parent
    for language in SHIPPED:
        assert (data / f"word-frequency-{language}.txt").is_file()
        words = language_words(language)
        assert words.stop_words and words.common and words.question_words


@pytest.mark.parametrize(("language", "word"), [("fr", "on"), ("es", "no"), ("pt", "no")])
def test_yaml_boolean_lookalikes_are_words_of_the_language(language: str, word: str) -> None:
    """A bare ``on`` or ``no`` in a words file is the word, not YAML 1.1's True/False."""
    words = language_words(language)
    assert word in words.stop_words
    assert "true" not in words.stop_words and "false" not in words.stop_words
    analyzer = _Analyzer(language, words)
    assert word not in analyzer.words(f"{word} plan")


@pytest.mark.parametrize(
    ("language", "question", "chatty"),
    [
        ("pt", "pra quem pedimos ajuda na enchente", "pra"),
        ("fr", "jusqu'où va l'inondation", "jusqu"),
        ("es", "q hacemos pa la inundación", "pa"),
    ],
)
def test_contractions_and_chat_spellings_are_not_matched(language: str, question: str, chatty: str) -> None:
    analyzer = _Analyzer(language, language_words(language))
    assert chatty not in analyzer.words(question)


def test_everyday_words_of_a_language_are_learned_as_stop_words_but_never_the_fields() -> None:
    """Stop words learned from word frequencies: the commonest chat words, never a word the catalogue's titles use."""
    spanish = Catalogue.load().in_language("es")
    index = spanish._index
    learned = index._analyzer.stop_words - language_words("es").stop_words
    assert {"veces", "gente", "mucho"} <= learned
    title_words = {word for action in spanish.actions for word in _Analyzer("es").words(action.title, joined=False)}
    assert not learned & title_words


def test_a_verb_and_its_pronoun_are_no_compound_outside_english() -> None:
    french = _Analyzer("fr", language_words("fr"))
    assert french.words("est-ce qu'on peut-elle appeler hydro-québec") == ["appeler", "hydro", "quebec", "hydroquebec"]
    assert _Analyzer("en", language_words("en")).words("follow-up") == ["follow", "followup"]


def test_a_noun_in_icacion_shares_its_verbs_stem_not_another_words() -> None:
    """Spanish snowball stems "comunicación" like "comunidad"; the language file's stem endings keep it with "comunicar"."""
    spanish = _Analyzer("es", language_words("es"))
    assert spanish.terms("comunicación") == spanish.terms("comunicar") == spanish.terms("comunicaciones")
    assert spanish.terms("comunicación") != spanish.terms("comunidad")
    assert spanish.terms("identificación de actores") == spanish.terms("identificar actores")
    french = _Analyzer("fr", language_words("fr"))
    assert french.terms("planification") == french.terms("planifier")
    assert french.stem("communication") != french.stem("commune")  # the field's words keep apart
    assert french.stem("equipements") != french.stem("equipe")


def test_a_french_verb_the_stemmer_leaves_whole_is_read_as_its_base_form() -> None:
    """French snowball keeps "-ent" ("menacent"): a question saying it still finds what "menacer" finds."""
    french = Catalogue.load().in_language("fr")
    assert [m.action.code for m in french.search("les crues menacent le quartier")] == [
        m.action.code for m in french.search("les crues menacer le quartier")
    ]
    assert "menacent" in french.search("les crues menacent le quartier")[0].why
    analyzer = _Analyzer("fr", language_words("fr"))
    assert "apprendre" in analyzer.inflected("apprend") and "apprendre" in analyzer.inflected("apprennent")


def test_a_spanish_but_clause_asks_on_its_own_as_an_english_one_does() -> None:
    spanish = Catalogue.load().in_language("es")
    text = (
        "El río se desborda cada invierno, los barrios ribereños quedan aislados y el alcalde quiere un plan "
        "contra las inundaciones antes de la temporada de lluvias, pero no sé por dónde empezar"
    )
    assert spanish.question_of(text) == "no sé por dónde empezar"


def test_a_phrase_keeps_its_word_order_where_the_language_does() -> None:
    """French "plan de révision" (a revision plan) is not "révision du plan"; English "plan review" is "review the plan"."""
    french = _Analyzer("fr", language_words("fr"))
    assert french.terms("révision du plan")[-1] != french.terms("plan de révision")[-1]
    english = _Analyzer("en", language_words("en"))
    assert english.terms("plan review")[-1] == english.terms("review the plan")[-1]
    catalogue = Catalogue.load().in_language("fr")
    assert "revision plan" in catalogue.search("faut-il une révision du plan ?", limit=8)[0].why
    reasons = {reason for match in catalogue.search("plan de révision", limit=8) for reason in match.why}
    assert "revision" in reasons and not reasons & {"plan revision", "revision plan"}


@pytest.mark.parametrize(
    ("language", "people", "towns"), [("fr", "voisins", "communes voisines"), ("pt", "vizinhos", "municípios vizinhos")]
)
def test_neighbours_are_people_next_door_and_neighbouring_towns_a_region(
    language: str, people: str, towns: str
) -> None:
    index = Catalogue.load().in_language(language)._index
    region = index._concept_key("region")
    assert region not in index._concepts_of.get(index._analyzer.stem(people), ())
    assert region in index._concepts_of[index._analyzer.terms(towns)[-1]]


@pytest.mark.parametrize(
    ("language", "verb", "noun"),
    [("fr", "conventionner avec les partenaires", "convention avec les partenaires"), ("pt", "gestionar", "gestão")],
)
def test_a_verb_made_from_a_noun_in_ion_reads_as_the_noun(language: str, verb: str, noun: str) -> None:
    """Snowball keeps "conventionner" apart from "convention" ("gestionar" from "gestão"): the language file joins them."""
    catalogue = Catalogue.load().in_language(language)
    found = catalogue.search(f"{verb} os riscos" if language == "pt" else verb, limit=3)
    assert [m.action.code for m in found] == [
        m.action.code for m in catalogue.search(f"{noun} dos riscos" if language == "pt" else noun, limit=3)
    ]
    assert found[0].confident and any(verb.split()[0] in reason for reason in found[0].why)


@pytest.mark.parametrize(
    ("language", "determiners"),
    [
        ("en", "each other all some any"),
        ("es", "cada otras toda todas varias"),
        ("fr", "chaque autres aucun plusieurs"),
        ("pt", "cada outras todos algum qualquer sobre durante várias"),
    ],
)
def test_the_determiners_english_drops_are_dropped_in_every_language(language: str, determiners: str) -> None:
    analyzer = _Analyzer(language, language_words(language))
    assert analyzer.words(determiners) == []


def test_spanish_ready_is_not_a_list() -> None:
    """Snowball stems "listo" (ready) as "lista" (a list): the adjective is a stop word, the list stays the field's."""
    spanish = Catalogue.load().in_language("es")
    assert not any(
        "listo" in reason for match in spanish.search("¿qué plan debimos tener listo?", limit=8) for reason in match.why
    )
    assert spanish._index._analyzer.words("una lista de actores") == ["lista", "actores"]


@pytest.mark.parametrize(
    ("language", "administration", "city"),
    [("es", "alcaldía", "ciudad"), ("fr", "mairie", "ville"), ("pt", "prefeitura", "cidade")],
)
def test_the_city_hall_is_no_more_evidence_than_the_city(language: str, administration: str, city: str) -> None:
    """One noun names the city's administration (rare in ordinary text): it says no more of which action than "city"."""
    index = Catalogue.load().in_language(language)._index
    assert index.word_specificity(administration) <= index.word_specificity(city) < GENERIC_SPECIFICITY


def test_a_hazard_for_the_city_hall_leads_with_the_hazard() -> None:
    portuguese = Catalogue.load().in_language("pt")
    matches = portuguese.search("o que a prefeitura deve fazer contra as enchentes?", limit=8)
    assert matches and all("prefeitura" not in match.why[0] for match in matches)


@pytest.mark.parametrize("language", SHIPPED)
def test_everyday_concepts_name_concepts_of_the_lexicon(language: str) -> None:
    """A misspelt concept name in a language file would silently do nothing."""
    names = {concept.name for concept in Catalogue.load().in_language(language)._data.concepts}
    assert language_words(language).everyday_concepts <= names
