"""Free-text search over the catalogue: what an official types in, the best matching actions out.

Officials type two-word keyword queries, everyday questions that share no word with an
action's official title, typos, and long sentences full of context. So matching is a small
lexical search engine rather than one string similarity:

1. **Normalise** text into tokens (case-folded, accents folded, punctuation dropped), drop
   generic stop words, and reduce words to snowball stems, so word order, case, punctuation
   and inflection ("drill", "drills", "drilling") do not matter.
2. **Correct typos**: a query word whose stem is unknown is matched against the catalogue's
   own vocabulary (OSA edit distance from rapidfuzz, budget growing with word length, the
   commonest word winning a tie: "emergancy" -> "emergency"), else split into two known
   words ("schoolchildren"); a corrected word counts a little less. A word of ordinary text
   is spelt right and never corrected. In a long message, the sentences that ask lead and
   the context weighs at most as much as they do (:data:`CONTEXT_WEIGHT`), unless they name
   nothing of the field ("What should we do first?"): then the context says what it is about.
3. **Score** with BM25F: each action is one document with weighted fields (title >
   keywords/synonyms > area title and area keywords), rare terms weigh more than common
   ones (IDF), repeated terms saturate, and long keyword lists are length-normalised.
   Unordered pairs of adjacent words ("emergency drills" = "drills emergency") are indexed
   as extra phrase terms, so a matching phrase beats the same words scattered.
4. **Calibrate**: the raw score (evidence in IDF units) maps to 0-100 with a saturating
   curve, discounted by the share of the query's words the action explains; a match is
   *confident* from :data:`CONFIDENT_SCORE` on, and only on words of the field: each word's
   specificity is learned from data (how rare it is in ordinary text, how concentrated in
   few actions; see :data:`EVERYDAY_ZIPF`), so everyday words ("plan", "city", "start") rank
   but never carry a match, and off-topic chatter ("hello", "what time is lunch?", one
   incidental catalogue word amid unrelated ones, a field phrase amid more words the catalogue does not
   know: :data:`FOREIGN_WEIGHT`) comes back unconfident; so does a match ranked
   below an unconfident one (confident matches come first or not at all). Candidates rank a
   little by their area's share of the evidence (:data:`AREA_VOTE`): a right answer's
   neighbours match too, a stray match stands alone.
5. **Hazards**: a question naming a hazard of the concept lexicon also searches for what it
   implies (risk assessment, warning, planning, continuity), and each match says which hazard
   it read (:attr:`Match.hazard`).

Everything is built once per catalogue from its data (titles, keywords, area titles and
keywords, the concept lexicon, the language's word frequencies if shipped), so any catalogue
file in any snowball-supported language works without code. docs/search.md tells the whole story.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Set
from importlib import resources

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from catalogue.language import LanguageWords, language_words, primary_language
from catalogue.loader import CatalogueData
from catalogue.model import Concept, Match

#: No action: the actions that say a term nobody says.
_NOWHERE: frozenset[int] = frozenset()

# --- knobs -------------------------------------------------------------------------------

#: Default number of results.
DEFAULT_LIMIT = 3
#: Score (0-100) from which a match is good enough to present as an answer.
CONFIDENT_SCORE = 50.0
#: Action IDF is scaled as in a catalogue of this many actions (the SMR model the knobs were set on),
#: so a score, and :data:`CONFIDENT_SCORE`, mean the same whatever the size of the catalogue loaded.
IDF_REFERENCE_SIZE = 96
#: Raw BM25F score that maps to a 0-100 score of 50; the curve is ``100 * raw / (raw + half)``.
SCORE_HALF_POINT = 3.0
#: Field weights: the official title counts most, synonyms next, example questions less (they
#: are whole sentences), the area's words a little.
TITLE_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.8
EXAMPLE_WEIGHT = 0.5
AREA_WEIGHT = 0.2
#: A query word also matches the other words of its concepts, at this share of its weight.
CONCEPT_WEIGHT = 0.7
#: How much a word matched only through its concept counts towards coverage.
CONCEPT_COVERAGE = 0.8
#: Concept terms are indexed as ``~name``: no word can start with ``~``.
CONCEPT_PREFIX = "~"
#: A confident match needs at least this much raw score (IDF units) from the field's vocabulary:
#: lexicon words and concepts, whole one-word keywords, phrases (see ``_evidence_terms``).
MIN_EVIDENCE = 1.5
#: Reasons given per match.
MAX_WHY = 4
#: Everyday words. A word's *specificity* (0-1) says how much it is the field's rather than any
#: office message's, learned from data: how rare it is in ordinary text (its Zipf frequency, log10
#: per billion words, in ``data/word-frequency-<language>.txt``: fully the field's up to
#: FIELD_ZIPF, an everyday word from EVERYDAY_ZIPF, linear in between), and how concentrated it
#: is in a few of the catalogue's actions rather than spread over many (the entropy of its
#: occurrences across actions), blended at CONCENTRATION_SHARE. Evidence for a confident match is
#: weighed by specificity, so "plan", "city", "start" can rank but never make a match confident.
FIELD_ZIPF = 4.8
EVERYDAY_ZIPF = 5.4
CONCENTRATION_SHARE = 0.5
#: Occurrences spread evenly over all actions before measuring concentration, so one occurrence is no proof.
CONCENTRATION_PRIOR = 0.1
#: A phrase of the field (lexicon, keywords, titles) is this much more specific than its more specific word:
#: two words together are rarer in ordinary text than either.
PHRASE_BONUS = 0.2
#: Below this specificity a word is *generic*: it never stands first, or alone, in a match's reasons,
#: and a confident match needs at least one word (or concept, or phrase) of the field at or above it.
GENERIC_SPECIFICITY = 0.45
#: Ranking weight of a word of specificity 0 (1 for a word of specificity 1, linear in between).
EVERYDAY_RANK_WEIGHT = 0.85
#: An everyday word (specificity 0) counts this much towards the score that decides confidence
#: (not towards ranking), a word of the field fully, linear in between; a phrase of the field counts as
#: specific as it is (see :meth:`SearchIndex.specificity`): the score must reach :data:`CONFIDENT_SCORE`
#: on the field's words. 0.4 before issue 19's third round; 0.2 is the least that still answers
#: "we need political support for this work" confidently.
CONFIDENCE_EVERYDAY_WEIGHT = 0.2
#: A message of several sentences with at least this many words (stop words aside) puts its question first
#: ("flood drills... schools?" is no such message): its other sentences, the context, weigh together at most
#: CONTEXT_WEIGHT times the sentences that ask (each context word at most that much), so a long story helps
#: rank but cannot outvote a short question.
LONG_MESSAGE_WORDS = 10
CONTEXT_WEIGHT = 1.0
#: A confident match explains at least this share of the question's words of the field (each weighed by its
#: specificity; a word matched through its concept counts CONCEPT_COVERAGE): an action that explains one of the
#: four things a question names ranks, but is no confident answer to it.
FIELD_COVERAGE = 0.3
#: A confident answer needs a question mostly about the field: the question's field evidence (its words and phrases of
#: the field, each by its specificity and its sentence's weight, as for FIELD_COVERAGE) weighs at least FOREIGN_WEIGHT
#: times its *foreign* words, the words of ordinary text the catalogue does not know at all (in no title, keyword,
#: example question or lexicon entry, nor a typo of one), each by how rare it is in ordinary text (0 from EVERYDAY_ZIPF,
#: 1 up to FIELD_ZIPF) and its sentence's weight. "translate this letter to the twin city mayor into german" says the
#: field's "twin city", but asks about things the catalogue does not know: "translate", "letter", "german".
FOREIGN_WEIGHT = 1.0
#: A confident answer needs a question that reads more like the field's questions than like an ordinary office request
#: ("my second monitor isn't detected after the update", "draft an agenda for next week's planning committee"): the
#: log odds of each of its words being said in the catalogue's titles and example questions rather than in ordinary
#: requests of municipal staff (``data/everyday-requests-<language>.txt``; each text one document, REQUEST_SMOOTHING
#: added to every count, words in neither left out), weighed by its sentence's weight and summed, reach REQUEST_ODDS.
#: A naive Bayes reading, learned from data: no file for the language, no such check.
REQUEST_ODDS = -5.0
REQUEST_SMOOTHING = 0.5
#: Officials ask how to start: a later stage's score is discounted by up to this share (the last stage fully, the
#: first not at all), so when two actions' evidence ties the earlier stage comes first; an exact tie goes to it too.
STAGE_PRIOR = 0.005
#: A hazard word matches another hazard's words at this share of its weight (other concepts: CONCEPT_WEIGHT).
HAZARD_BRIDGE_WEIGHT = 0.3
#: A concept's implied concepts (a hazard's risk assessment, warning, continuity) count this share of its word.
IMPLIED_WEIGHT = 0.7
#: Evidence clusters: the right answer's area usually holds more of the candidates' evidence than a stray match's
#: does. A candidate ranks with its score times ``1 - AREA_VOTE + AREA_VOTE * share``, where ``share`` is its area's
#: part of the candidates' raw score (ranking only: confidence, and the score shown, are the action's own).
AREA_VOTE = 0.15
#: Everyday words learned as stop words, in a language other than English (whose list is tuned by hand): a word at
#: least this common in ordinary text (Zipf; 5.6 is about the language's 400 commonest words: "gente", "veces",
#: "beaucoup", "vez") whose stem no title, keyword, area title or lexicon entry uses is chat, never the field's.
LEARNED_STOP_ZIPF = 5.6
#: BM25 term-frequency saturation and length normalisation.
BM25_K1 = 1.2
BM25_B = 0.6
#: How much the share of query words an action explains discounts its score (0 = not at all).
COVERAGE_EXPONENT = 0.45
#: Coverage counts matched words out of at most this many: a long question full of context is
#: not penalised for its length, only for explaining fewer words than this.
COVERAGE_WORDS = 4
#: Candidates re-scored (with coverage) per result asked for.
CANDIDATE_POOL = 4
#: In a catalogue this big, a term found in more actions than this (or than this share of them)
#: is added to the candidates' scores only, not walked: at 96 actions every term is walked.
COMMON_TERM_DOCS = 300
COMMON_TERM_SHARE = 0.03
#: Up to this many scored actions the candidate pool is picked by one sort, beyond it by a heap (same pool).
SORTED_POOL_SCORES = 2_000
#: Weight of a matching adjacent word pair on top of its two words.
PHRASE_WEIGHT = 0.5
#: Typo correction: shortest word to correct, allowed edits by word length, weight of a fix.
FUZZY_MIN_LENGTH = 5
FUZZY_LONG_WORD = 10
FUZZY_SHORT_EDITS = 1
FUZZY_LONG_EDITS = 2
FUZZY_WEIGHT = 0.8
#: Shortest part when splitting an unknown compound word into two known words.
COMPOUND_MIN_PART = 3
#: Shortest and longest words considered words at all (single letters are noise: "plan b",
#: "n+1"; very long ones are garbage, URLs, hashes).
MIN_WORD_LENGTH = 2
MAX_WORD_LENGTH = 30
#: Input beyond this many characters / distinct words is ignored (Telegram caps messages at 4096).
MAX_QUERY_CHARS = 4096
MAX_QUERY_WORDS = 200

#: ISO 639-1 catalogue language -> snowball algorithm; other languages are matched unstemmed.
SNOWBALL_LANGUAGES = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "eu": "basque",
    "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian",
    "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "nb": "norwegian",
    "ne": "nepali", "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
    "tr": "turkish",
}  # fmt: skip

#: Generic English function words and chat filler, dropped from English catalogues and queries.
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each etc few for from further get gets getting got had hadn has hasn have
    haven having he her here hers herself him himself his how i if in into is isn it its itself
    just let lets me might more most must mustn my myself no nor not now of off on once only or
    other ought our ours ourselves out over own same shall she should shouldn so some such than
    that the their theirs them themselves then there these they this those through to too under
    until up upon us very was wasn we were weren what when where which while who whom whose why
    will with won would wouldn you your yours yourself yourselves
    make makes made making
    hi hello hey thanks thank please ok okay yes yeah tell want wants need needs like know
    think really maybe anything something thing things lot lots way ways kind sort actually
    everything nothing everyone anyone someone nobody everybody anybody somebody
    eg ie re ve ll
    """.split()  # noqa: SIM905 - a word list reads better as text
)

#: Words that open a question, or ask when followed by ``QUESTION_FOLLOWERS`` ("... where do we start").
ENGLISH_QUESTION_WORDS = frozenset(
    "how what where which who why when should could can shall would is are do does any anything".split()  # noqa: SIM905
)
ENGLISH_QUESTION_FOLLOWERS = frozenset("do does did should can could would shall to is are we".split())  # noqa: SIM905
_WH_WORDS = frozenset({"how", "what", "where", "which", "who", "why"})
#: Where a message splits into sentences (the terminator kept: a "?" marks a question).
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*|\n", re.IGNORECASE)
_BUT = re.compile(r",?\s+but\s+", re.IGNORECASE)

_TOKEN = re.compile(r"[^\W_]+")
_HYPHENATED = re.compile(r"(?<![^\W_])[^\W_]++(?:[-/][^\W_]++)+")  # possessive: linear on garbage


def _fold(text: str) -> str:
    """Case- and accent-fold, so "Émergence" and "emergence" are one word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class _Analyzer:
    """Turns text into (surface word, stem) pairs the same way for documents and queries.

    What is the language's own (stop words, question words, accents its stemmer needs) comes in
    ``words``, from its data file (``data/language-<code>.yaml``); English keeps its tuned lists here.
    """

    def __init__(self, language: str, words: LanguageWords | None = None) -> None:
        code = primary_language(language)
        words = words if words is not None else LanguageWords(code)
        algorithm = SNOWBALL_LANGUAGES.get(code)
        self._stemmer = snowballstemmer.stemmer(algorithm) if algorithm else None
        english = code == "en"
        self.stop_words = ENGLISH_STOP_WORDS if english else words.stop_words
        self.question_words = ENGLISH_QUESTION_WORDS if english else words.question_words
        self.question_followers = ENGLISH_QUESTION_FOLLOWERS if english else words.question_followers
        self.wh_words = _WH_WORDS if english else words.question_words
        but = "|".join(map(re.escape, sorted(words.but))) if not english and words.but else ""
        self._but = re.compile(rf",?\s+(?:{but})\s+", re.IGNORECASE) if but else _BUT
        self._restore = words.restore if words.stem_restore else None
        self._stem_ending = words.stem_ending if words.stem_endings else None
        self.inflected = words.inflected
        self.ordered_phrases = words.ordered_phrases
        self.everyday_concepts = words.everyday_concepts
        self.language = code
        self._stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        """The stem of an already folded word (cached: vocabularies are small)."""
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stem_ending(word) if self._stem_ending is not None else None
            if stem is None:
                spelt = self._restore(word) if self._restore is not None else word
                stem = _fold(self._stemmer.stemWord(spelt)) if self._stemmer else word
            if len(self._stems) < 100_000:
                self._stems[word] = stem
        return stem

    def pair(self, a: str, b: str) -> str:
        """The phrase term of two adjacent stems: order-free (:func:`_pair`), or in order where the language says so."""
        return f"{a} {b}" if self.ordered_phrases else _pair(a, b)

    def words(self, text: str, *, joined: bool = True) -> list[str]:
        """Content words, folded, in order; hyphenated compounds also yield their joined form."""
        folded = _fold(text)
        words = [
            w
            for w in _TOKEN.findall(folded)
            if MIN_WORD_LENGTH <= len(w) <= MAX_WORD_LENGTH and w not in self.stop_words
        ]
        return words + self.joined(folded) if joined and ("-" in folded or "/" in folded) else words

    def joined(self, text: str) -> list[str]:
        """The joined forms of the text's hyphenated compounds ("cross-sector" -> "crosssector").

        Outside English, a verb and its pronoun or particle are no compound (French "est-ce", "peut-elle",
        Portuguese "pode-se", "fazê-lo"): a compound with a stop word for a part has no joined form.
        """
        compounds = _HYPHENATED.findall(_fold(text))
        if self.language != "en":
            compounds = [c for c in compounds if not any(part in self.stop_words for part in re.split(r"[-/]", c))]
        found = (re.sub(r"[-/]", "", compound) for compound in compounds)
        return [word for word in found if len(word) <= MAX_WORD_LENGTH]

    def asks(self, sentence: str, words: list[str] | None = None) -> bool:
        """Whether a sentence asks: it ends in "?", opens with a question word, or says "where do we...".

        ``words``: the sentence's tokens, folded, when the caller has them already.
        """
        if sentence.rstrip().endswith("?"):
            return True
        words = _TOKEN.findall(_fold(sentence)) if words is None else words
        if not words:
            return False
        if words[0] in self.question_words:
            return True
        if self.wh_words.isdisjoint(words):  # most sentences: no pair to look at
            return False
        return any(a in self.wh_words and b in self.question_followers for a, b in itertools.pairwise(words))

    def sentences(self, text: str) -> list[tuple[str, float]]:
        """The text's sentences, each with its weight: in a message of several, the asking ones lead.

        Words outside the sentences that ask weigh less (see :data:`CONTEXT_WEIGHT`): the context helps rank,
        the question decides. A message of one sentence, or with no (or only) asking ones, counts whole.
        """
        parts = [part for chunk in _SENTENCE.findall(text) for part in self._but.split(chunk) if part.strip()]
        if len(parts) < 2:
            return [(text, 1.0)]
        tokens = [_TOKEN.findall(_fold(part)) for part in parts]  # each part's, folded once for both uses below
        stop = self.stop_words
        counts = [  # together: the text's words (as words() finds them)
            sum(MIN_WORD_LENGTH <= len(w) <= MAX_WORD_LENGTH and w not in stop for w in words) for words in tokens
        ]
        if sum(counts) < LONG_MESSAGE_WORDS:
            return [(text, 1.0)]
        asking = [self.asks(part, words) for part, words in zip(parts, tokens, strict=True)]
        if all(asking) or not any(asking):
            return [(part, 1.0) for part in parts]
        asked = sum(count for count, asks in zip(counts, asking, strict=True) if asks)
        told = sum(count for count, asks in zip(counts, asking, strict=True) if not asks)
        context = CONTEXT_WEIGHT * min(1.0, max(asked, 1) / max(told, 1))
        return [(part, 1.0 if asks else context) for part, asks in zip(parts, asking, strict=True)]

    def terms(self, text: str) -> list[str]:
        """Unigram stems plus unordered adjacent pairs, the terms a document is indexed under."""
        stems = [self.stem(w) for w in self.words(text)]
        return stems + [self.pair(a, b) for a, b in itertools.pairwise(stems) if a != b]


#: A term's postings: action index -> the term's BM25F weight there, in ascending index order.
_Postings = dict[int, float]


@functools.lru_cache(maxsize=8)
def _ordinary_text(language: str) -> list[tuple[str, float, str]]:
    """(word, Zipf frequency, stem) of the commonest words of ordinary text in the language, from the data shipped.

    Empty for a language without a ``data/word-frequency-<language>.txt`` file.
    """
    path = resources.files("catalogue") / "data" / f"word-frequency-{language}.txt"
    if not path.is_file():
        return []
    rows = (line.split() for line in path.read_text(encoding="utf-8").splitlines() if line and line[0] != "#")
    ending = language_words(language).stem_ending  # the language's own stem endings, as the search stems
    return [
        (folded, float(zipf), ending(folded) or _fold(stem)) for word, zipf, stem in rows for folded in [_fold(word)]
    ]


@functools.lru_cache(maxsize=8)
def _ordinary_frequency(language: str) -> dict[str, float]:
    """Stem -> how common its words are in ordinary text of the language, together (Zipf).

    Empty without figures for the language: then every word of the field is the field's.
    """
    totals: dict[str, float] = defaultdict(float)
    for _, zipf, stem in _ordinary_text(language):
        totals[stem] += 10.0**zipf
    return {stem: math.log10(total) for stem, total in totals.items()}


@functools.lru_cache(maxsize=8)
def _matched_frequency(language: str) -> dict[str, float]:
    """:func:`_ordinary_frequency` of the words the search matches: a language's stop words left out.

    A stop word is never matched, so it says nothing of how everyday its stem's other words are: Spanish "para"
    (for) shares the stem of "pares" (peers), Portuguese "pelo" (by the) that of "pele" (skin). English keeps the
    figures its knobs were tuned on.
    """
    if language == "en":
        return _ordinary_frequency(language)
    unmatched = language_words(language).stop_words
    totals: dict[str, float] = defaultdict(float)
    for word, zipf, stem in _ordinary_text(language):
        if word not in unmatched:
            totals[stem] += 10.0**zipf
    return {stem: math.log10(total) for stem, total in totals.items()}


@functools.lru_cache(maxsize=8)
def everyday_requests(language: str) -> tuple[tuple[str, ...], ...]:
    """Ordinary requests of municipal staff in the language, per author (see :data:`REQUEST_ODDS`).

    From ``data/everyday-requests-<language>.txt``, where a line ``# author ...`` starts an author's requests (a file
    without such lines is one author's); none without the file. Per author, so a benchmark can learn from some
    authors and measure on another.
    """
    path = resources.files("catalogue") / "data" / f"everyday-requests-{language}.txt"
    if not path.is_file():
        return ()
    authors: list[list[str]] = [[]]
    for line in map(str.strip, path.read_text(encoding="utf-8").splitlines()):
        if line.startswith("# author"):
            authors.append([])
        elif line and not line.startswith("#"):
            authors[-1].append(line)
    return tuple(tuple(requests) for requests in authors if requests)


@functools.lru_cache(maxsize=8)
def _ordinary_words(language: str) -> frozenset[str]:
    """The common words of ordinary text in the language: spelt right, whatever the catalogue knows."""
    return frozenset(word for word, _, _ in _ordinary_text(language))


@functools.lru_cache(maxsize=8)
def _zipf_bounds(language: str) -> tuple[float, float]:
    """The language's :data:`FIELD_ZIPF` and :data:`EVERYDAY_ZIPF`, calibrated on its own word frequencies.

    The constants were set on English. A language's stems sum more inflected forms and its corpus
    differs, so the same Zipf value is not the same rank: in another language the bounds are the
    Zipf frequencies of the stems at the ranks the English bounds have among English stems (the
    English FIELD_ZIPF is about the 1,700th commonest English stem: the 1,700th Spanish stem is
    the Spanish bound). The English bounds where either file is missing.
    """
    english = sorted(_ordinary_frequency("en").values(), reverse=True)
    own = sorted(_ordinary_frequency(language).values(), reverse=True)
    if language == "en" or not english or not own:
        return FIELD_ZIPF, EVERYDAY_ZIPF

    def at_rank_of(zipf: float) -> float:
        rank = sum(value >= zipf for value in english)
        return round(own[min(max(rank, 1), len(own)) - 1], 2)

    return at_rank_of(FIELD_ZIPF), at_rank_of(EVERYDAY_ZIPF)


def _pair(a: str, b: str) -> str:
    """An order-free phrase term: "emergency drill" and "drill emergency" are the same pair."""
    return f"{a} {b}" if a < b else f"{b} {a}"


def _idf(documents: int, containing: int) -> float:
    return math.log(1.0 + (documents - containing + 0.5) / (containing + 0.5))


def _postings(
    documents: list[list[tuple[float, list[str]]]], reference_size: int | None = None
) -> dict[str, _Postings]:
    """BM25F postings: per term, the documents it occurs in with its weight there.

    A document is a list of (field weight, terms) fields. Field term frequencies are
    length-normalised and weighted, summed, then saturated (k1) and multiplied by the IDF.
    """
    count = max(len(documents), 1)
    fields = max((len(document) for document in documents), default=0)
    average = [max(sum(len(document[f][1]) for document in documents) / count, 1.0) for f in range(fields)]
    frequencies: list[dict[str, float]] = []
    df: dict[str, int] = defaultdict(int)
    for document in documents:
        tf: dict[str, float] = defaultdict(float)
        for f, (weight, terms) in enumerate(document):
            share = weight / (1.0 - BM25_B + BM25_B * len(terms) / average[f])
            for term in terms:
                tf[term] += share
        for term in tf:
            df[term] += 1
        frequencies.append(tf)
    # With a reference size, IDF is rescaled so a term of one document weighs what it would among
    # ``reference_size`` documents: scores, and so the confidence threshold, mean the same for a
    # city's 20-action catalogue, the 96-action SMR model and a 10,000-action one.
    scale = _idf(reference_size, 1) / _idf(count, 1) if reference_size else 1.0
    idf = {term: scale * _idf(count, n) for term, n in df.items()}
    postings: dict[str, _Postings] = defaultdict(dict)
    for index, tf in enumerate(frequencies):
        for term, value in tf.items():
            weight = idf[term] * value * (BM25_K1 + 1.0) / (value + BM25_K1)
            postings[term][index] = weight * PHRASE_WEIGHT if " " in term else weight
    return dict(postings)


def _weight_in(postings: _Postings | None, index: int) -> float:
    """A term's weight in one document (0 when absent)."""
    return postings.get(index, 0.0) if postings is not None else 0.0


class _Speller:
    """Finds the catalogue word closest to a misspelt one, preferring the commonest on a tie.

    One edit (the usual typo) is found through a deletion index, a few dictionary lookups
    whatever the vocabulary size; two edits (allowed in long words) through rapidfuzz over the
    words of a reachable length.
    """

    def __init__(self, frequency: dict[str, int]) -> None:
        self._rank = {word: rank for rank, word in enumerate(sorted(frequency, key=lambda w: (-frequency[w], w)))}
        self._deletions: dict[str, list[str]] = defaultdict(list)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in self._rank:  # commonest first, so every list below is too
            for variant in _deletions(word):
                self._deletions[variant].append(word)
            self._by_length[len(word)].append(word)
        self._windows: dict[tuple[int, int], list[str]] = {}

    def correct(self, word: str, edits: int) -> str | None:
        """The commonest vocabulary word within ``edits`` edits of ``word`` (``None`` when none)."""
        candidates = {c for variant in _deletions(word) for c in self._deletions.get(variant, ())}
        close = [c for c in candidates if OSA.distance(word, c, score_cutoff=1) <= 1]
        if close:
            return min(close, key=self._rank.__getitem__)
        if edits < 2:
            return None
        window = (len(word) - edits, len(word) + edits)
        choices = self._windows.get(window)
        if choices is None:  # the words of reachable lengths, commonest first: built once per window
            lengths = range(window[0], window[1] + 1)
            choices = sorted((w for n in lengths for w in self._by_length.get(n, ())), key=self._rank.__getitem__)
            self._windows[window] = choices
        best = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=edits)
        return best[0] if best else None


def _deletions(word: str) -> set[str]:
    """The word and every string one deletion away: two words one edit apart share one of these."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


#: Per query term, what scoring a candidate looks up (see ``SearchIndex._checks``).
_Check = tuple[float, _Postings, _Postings, float, float, int, frozenset[int], frozenset[int], str, str, frozenset[int]]
#: What a query term is, kept per term (see ``SearchIndex._term_facts``).
_TermFacts = tuple[_Postings, _Postings, float, float, int, frozenset[int], frozenset[int], frozenset[int]]
#: What a query term is, in a :data:`_Check`: a concept it brought in, one of its words, or a pair of its words.
_CONCEPT, _WORD, _PHRASE = 0, 1, 2


class _Query:
    """An analysed question: its weighted terms, what to show for each, and its distinct words."""

    __slots__ = ("concepts_of", "foreign", "hazard", "odds", "specificity", "terms", "words")

    def __init__(self) -> None:
        #: term -> (weight, the query word to show as the reason)
        self.terms: dict[str, tuple[float, str]] = {}
        #: query word stem -> the concept terms it brought in
        self.concepts_of: dict[str, list[str]] = {}
        #: concept term -> the specificity of the query words that brought it in (the best of them)
        self.specificity: dict[str, float] = {}
        #: the hazard the question names, in its own words ("" when none)
        self.hazard = ""
        self.words = 0
        #: its words of ordinary text the catalogue does not know, each by its rarity (see :data:`FOREIGN_WEIGHT`)
        self.foreign = 0.0
        #: how much more it reads like the field's questions than like an office request (see :data:`REQUEST_ODDS`)
        self.odds = 0.0


class SearchIndex:
    """A BM25F index over one catalogue's actions (and, at low weight, their areas).

    Built from the catalogue's data (:class:`catalogue.loader.CatalogueData`), not from the
    :class:`catalogue.Catalogue` object, so the two modules do not depend on each other.
    """

    def __init__(self, data: CatalogueData, requests: Iterable[str] | None = None) -> None:
        """Index ``data``; ``requests``: the ordinary requests to tell questions from (the language's shipped ones)."""
        self.actions = data.actions
        self._analyzer = _Analyzer(data.language, language_words(data.language))
        self._analyzer.stop_words = self._analyzer.stop_words | self._learned_stop_words(data)
        self._concepts_of = self._lexicon(data.concepts)
        keys = {concept.name: self._concept_key(concept.name) for concept in data.concepts}
        #: concept term -> the concept terms it implies; the concept terms of hazards
        self._implies = {keys[c.name]: tuple(keys[name] for name in c.implies) for c in data.concepts if c.implies}
        self._hazards = frozenset(keys[concept.name] for concept in data.concepts if concept.hazard)
        #: The lexicon terms that bring in a concept which implies others (a hazard's words, "convince"...).
        self._implying = frozenset(t for t, cs in self._concepts_of.items() if any(c in self._implies for c in cs))
        self._phrase_words = frozenset(word for term in self._concepts_of if " " in term for word in term.split(" "))
        self._analysed: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}  # texts repeat: analyse once
        #: Per query term (and the concepts it brought in), what scoring looks up: see :meth:`_term_facts`.
        self._facts: dict[tuple[str, tuple[str, ...]], _TermFacts | None] = {}
        #: Query word -> its stem and the known terms it stands for, with their weights (see :meth:`_word_fact`).
        self._word_facts: dict[str, tuple[str, tuple[tuple[str, str, float], ...]]] = {}
        #: Two adjacent query stems -> their phrase term if the catalogue knows it, else "" (see :meth:`_query`).
        self._known_pairs: dict[tuple[str, str], str] = {}
        #: Per action (and per area): concept term -> the word the action uses for it, for reasons.
        self._concept_words: list[dict[str, str]] = []
        documents = []
        for action in self.actions:
            words: dict[str, str] = {}
            documents.append(
                [
                    (TITLE_WEIGHT, self._field_terms([action.title], words)),
                    (KEYWORD_WEIGHT, self._field_terms(action.keywords, words)),
                    (EXAMPLE_WEIGHT, self._field_terms(action.examples, words)),
                ]
            )
            self._concept_words.append(words)
        self._postings = _postings(documents, reference_size=IDF_REFERENCE_SIZE)
        #: The terms the catalogue's own descriptions say (titles, keywords, areas), not only its example questions.
        self._described = frozenset(term for document in documents for _, terms in document[:2] for term in terms)
        #: Per term, the actions whose title or keywords say it: in another action's example question it is no evidence.
        described_in: dict[str, set[int]] = defaultdict(set)
        for index, document in enumerate(documents):
            for _, terms in document[:2]:
                for term in terms:
                    described_in[term].add(index)
        self._described_in = {term: frozenset(indices) for term, indices in described_in.items()}
        #: Term -> its place in the order terms are summed in (longest postings first, then by term): a fixed
        #: order, so word order in the query cannot change a score, not even through floating-point rounding.
        self._term_order = {
            term: place for place, term in enumerate(sorted(self._postings, key=lambda t: (-len(self._postings[t]), t)))
        }
        # Areas are scored as their own small documents, then lend a fraction of their score to
        # their actions: no area-wide postings to walk at query time, whatever the catalogue size.
        domains = {domain.code: domain.name for domain in data.domains}
        area_texts = {
            area.code: [area.title, *data.area_keywords.get(area.code, ()), domains.get(area.domain, "")]
            for area in data.areas
        }
        self._area_codes = list(area_texts)
        self._area_concept_words: list[dict[str, str]] = [{} for _ in self._area_codes]
        self._described |= {term for texts in area_texts.values() for term in self._analyzer.terms(" ".join(texts))}
        self._area_postings = _postings(
            [
                [(1.0, self._field_terms(texts, self._area_concept_words[index]))]
                for index, texts in enumerate(area_texts.values())
            ]
        )
        area_index = {code: index for index, code in enumerate(self._area_codes)}
        self._area_of = [area_index.get(action.area, -1) for action in self.actions]
        orders = {stage.code: stage.order for stage in data.stages}
        last = max(orders.values(), default=0) or 1
        #: Per action, how far along the stages it is, 0 (first stage) to 1 (last): see :data:`STAGE_PRIOR`.
        self._lateness = [orders.get(action.stage, 0) / last for action in self.actions]
        self._actions_of_area: list[list[int]] = [[] for _ in self._area_codes]
        for index, area in enumerate(self._area_of):
            if area >= 0:
                self._actions_of_area[area].append(index)
        self._evidence = self._evidence_terms(data)
        self._specificity = self._specificities(documents, _matched_frequency(self._analyzer.language))
        self._specificity_of: dict[str, float] = {}  # term -> specificity(term), as asked
        self._ordinary_words = _ordinary_words(self._analyzer.language)
        if requests is None:
            requests = (request for author in everyday_requests(self._analyzer.language) for request in author)
        self._request_odds = self._odds_against_requests(data, tuple(requests))
        field_zipf, everyday_zipf = _zipf_bounds(self._analyzer.language)
        #: Word of ordinary text -> how rare it is there, 0 (everyday) to 1 (as rare as the field's words).
        self._rarity = {
            word: min(max((everyday_zipf - zipf) / (everyday_zipf - field_zipf), 0.0), 1.0)
            for word, zipf, _ in _ordinary_text(self._analyzer.language)
        }
        self._analysed.clear()
        self._vocabulary, frequency = self._build_vocabulary(data)
        stems: Counter[str] = Counter()
        for word, stem in self._vocabulary.items():
            if self._known(stem):
                stems[stem] += frequency[word]
        self._word_speller = _Speller({word: n for word, n in frequency.items() if len(word) >= FUZZY_MIN_LENGTH - 1})
        self._stem_speller = _Speller(stems)

    # --- building ------------------------------------------------------------------------

    def _odds_against_requests(self, data: CatalogueData, requests: tuple[str, ...]) -> dict[str, float]:
        """Stem -> log odds of a text saying it among the catalogue's titles and examples, against ordinary requests.

        See :data:`REQUEST_ODDS`; empty without requests.
        """
        if not requests:
            return {}
        asking = {self._analyzer.stem(word) for word in self._analyzer.question_words}

        def documents(texts: tuple[str, ...]) -> Counter[str]:
            """Stem -> how many of the texts say it."""
            counts: Counter[str] = Counter()
            for text in texts:
                counts.update({self._analyzer.stem(word) for word in self._analyzer.words(text, joined=False)} - asking)
            return counts

        questions = tuple(text for action in data.actions for text in (action.title, *action.examples))
        field, office = documents(questions), documents(requests)
        smooth = REQUEST_SMOOTHING
        return {
            stem: math.log((field[stem] + smooth) / (len(questions) + 2 * smooth))
            - math.log((office[stem] + smooth) / (len(requests) + 2 * smooth))
            for stem in field.keys() | office.keys()
        }

    def _entry_terms(self, entry: str) -> list[str]:
        """The terms a keyword or lexicon entry is known by: its stem, or its adjacent word pairs.

        A hyphenated entry is known by its joined form ("post-incident" -> "postincident"). A
        phrase that keeps one content word ("in charge", "plan b") is known by none: its one word
        alone would say less than the phrase.
        """
        words = self._analyzer.words(entry, joined=False)
        if len(_TOKEN.findall(_fold(entry))) <= 1:
            return [self._analyzer.stem(word) for word in words]
        stems = [self._analyzer.stem(word) for word in words]
        joined = [self._analyzer.stem(word) for word in self._analyzer.joined(entry)]
        return [self._analyzer.pair(a, b) for a, b in itertools.pairwise(stems) if a != b] + joined

    def _learned_stop_words(self, data: CatalogueData) -> frozenset[str]:
        """The language's commonest words that say nothing of the field: see :data:`LEARNED_STOP_ZIPF`.

        Learned from the language's word frequencies and the catalogue's own field words, so a
        translation needs no hand-made list of everyday verbs and adverbs; none for English.
        """
        analyzer = self._analyzer
        if analyzer.language == "en":
            return frozenset()
        common = [(word, stem) for word, zipf, stem in _ordinary_text(analyzer.language) if zipf >= LEARNED_STOP_ZIPF]
        if not common:
            return frozenset()
        texts = [text for action in data.actions for text in (action.title, *action.keywords)]
        texts += [area.title for area in data.areas] + [kw for kws in data.area_keywords.values() for kw in kws]
        texts += [word for concept in data.concepts for word in concept.words]
        field = {analyzer.stem(word) for text in texts for word in analyzer.words(text, joined=False)}
        return frozenset(word for word, _ in common if analyzer.stem(word) not in field)

    @staticmethod
    def _concept_key(name: str) -> str:
        """A concept's term: ``~name``, without spaces (spaces mark word pairs)."""
        return CONCEPT_PREFIX + "_".join(name.split())

    def _specificities(
        self, documents: list[list[tuple[float, list[str]]]], ordinary: dict[str, float]
    ) -> dict[str, float]:
        """Stem -> its specificity (0-1): rare in ordinary text, and concentrated in few of the catalogue's actions.

        See :data:`EVERYDAY_ZIPF`. Concentration is one minus the normalised entropy of the stem's
        occurrences over the actions (with :data:`CONCENTRATION_PRIOR` spread over all of them).
        Without ordinary-text figures for the language every stem is the field's (1.0), as the
        catalogue's own words are all there is to go by.
        """
        if not ordinary:
            return {}
        per_action: dict[str, Counter[int]] = defaultdict(Counter)
        for index, document in enumerate(documents):
            for _, terms in document[:2]:  # titles and keywords: an example says how one official put it
                for term in terms:
                    if " " not in term and not term.startswith(CONCEPT_PREFIX):
                        per_action[term][index] += 1
        actions = max(len(documents), 2)
        prior = CONCENTRATION_PRIOR / actions  # each action's share of the prior
        field_zipf, everyday_zipf = _zipf_bounds(self._analyzer.language)
        specificity: dict[str, float] = {}
        for stem in set(per_action) | {term for term in self._concepts_of if " " not in term}:
            zipf = ordinary.get(stem)
            rare = 1.0 if zipf is None else min(max((everyday_zipf - zipf) / (everyday_zipf - field_zipf), 0.0), 1.0)
            counts = per_action.get(stem, Counter())
            total = sum(counts.values()) + CONCENTRATION_PRIOR
            entropy = -sum((n + prior) / total * math.log((n + prior) / total) for n in counts.values())
            entropy -= (actions - len(counts)) * prior / total * math.log(prior / total)  # the actions without it
            concentrated = 1.0 - entropy / math.log(actions)
            blended = (1.0 - CONCENTRATION_SHARE) * rare + CONCENTRATION_SHARE * concentrated
            # A lexicon word no action uses reaches actions only through its concepts: its rarity says it all.
            specificity[stem] = round(blended if counts else rare, 3)
        # The words a language names the city itself with ("alcaldía", "prefeitura", "mairie") are as everyday as
        # its commonest one ("ciudad"): see LanguageWords.everyday_concepts.
        for name in self._analyzer.everyday_concepts:
            key = self._concept_key(name)
            members = [term for term, keys in self._concepts_of.items() if keys == (key,) and term in specificity]
            if members:
                everyday = specificity[max(members, key=lambda term: ordinary.get(term, 0.0))]
                for term in members:
                    specificity[term] = min(specificity[term], everyday)
        return specificity

    def specificity(self, term: str) -> float:
        """How much a term (a stem, or two stems of a phrase) is evidence of the field, 0-1.

        0 for a word outside the field's vocabulary (see :meth:`_evidence_terms`); a phrase counts
        its more specific word (a phrase of the field, any of its words, plus :data:`PHRASE_BONUS`:
        "task force" and "review the plan" are the field's, "city plan" is not).
        """
        known = self._specificity_of.get(term)
        if known is None:
            known = self._specificity_of[term] = self._term_specificity(term)
            if len(self._specificity_of) > 100_000:
                self._specificity_of.clear()
        return known

    def _term_specificity(self, term: str) -> float:
        """:meth:`specificity`, worked out (kept per term by :meth:`specificity`)."""
        field = self._evidence is None or term in self._evidence
        if " " in term:
            first, second = term.split(" ", 1)
            if field:  # a phrase of the field is rarer than its more specific word, field word or not ("task force")
                return min(
                    max(self._specificity.get(first, 1.0), self._specificity.get(second, 1.0)) + PHRASE_BONUS, 1.0
                )
            return max(self.specificity(first), self.specificity(second))
        return self._specificity.get(term, 1.0) if field else 0.0

    def word_specificity(self, word: str) -> float:
        """The specificity of a word or phrase as a question says it (see :meth:`specificity`)."""
        stems = [self._analyzer.stem(w) for w in self._analyzer.words(word, joined=False)]
        if len(stems) == 2:
            return self.specificity(self._analyzer.pair(*stems))
        return max((self.specificity(stem) for stem in stems), default=0.0)

    def _lexicon(self, concepts: tuple[Concept, ...]) -> dict[str, tuple[str, ...]]:
        """Lexicon term (stem or word pair) -> the concept terms (``~name``) it stands for."""
        members: dict[str, list[str]] = defaultdict(list)
        for concept in concepts:
            key = self._concept_key(concept.name)
            for entry in concept.words:
                for term in self._entry_terms(entry):
                    if key not in members[term]:
                        members[term].append(key)
        return {term: tuple(keys) for term, keys in members.items()}

    def _field_terms(self, texts: Iterable[str], concept_words: dict[str, str]) -> list[str]:
        """The terms of a field's texts, each lexicon word or pair also indexed under its concepts.

        ``concept_words`` collects, per concept, the first word of the field that said it.
        """
        terms: list[str] = []
        for text in texts:
            analysed = self._analysed.get(text)
            if analysed is None:
                analysed = self._analysed[text] = self._analyse(text)
            text_terms, concepts = analysed
            terms.extend(text_terms)
            for concept, surface in concepts:
                concept_words.setdefault(concept, surface)
        return terms

    def _analyse(self, text: str) -> tuple[list[str], list[tuple[str, str]]]:
        """A text's terms (concepts included) and each concept with the text's word for it."""
        words = self._analyzer.words(text)
        stems = [self._analyzer.stem(word) for word in words]
        found = list(zip(stems, words, strict=True))
        found += [
            (self._analyzer.pair(a, b), f"{word_a} {word_b}")
            for (a, word_a), (b, word_b) in itertools.pairwise(found)
            if a != b
        ]
        terms: list[str] = []
        concepts: list[tuple[str, str]] = []
        for term, surface in found:
            terms.append(term)
            for concept in self._concepts_of.get(term, ()):
                terms.append(concept)
                concepts.append((concept, surface))
        return terms, concepts

    def _evidence_terms(self, data: CatalogueData) -> frozenset[str] | None:
        """The terms that count as evidence of the field, for a match to be confident.

        With a concept lexicon: its words and concepts, whole one-word keywords, and phrases of
        titles and keywords. A word found only in a title ("meeting"), only inside a longer
        keyword ("test" of "stress test") or only in example questions ("today") helps ranking
        but is no evidence on its own. Without a lexicon every title and keyword term counts
        (``None``): the catalogue's own words are all it has.
        """
        if not self._concepts_of:
            return None
        evidence: set[str] = set(self._concepts_of)
        evidence.update(concept for concepts in self._concepts_of.values() for concept in concepts)
        keywords = [keyword for action in data.actions for keyword in action.keywords]
        keywords += [keyword for words in data.area_keywords.values() for keyword in words]
        for keyword in keywords:
            evidence.update(self._entry_terms(keyword))
        titles = [action.title for action in data.actions] + [area.title for area in data.areas]
        for text in titles:
            evidence.update(term for term in self._analyzer.terms(text) if " " in term)
        return frozenset(evidence)

    def _build_vocabulary(self, data: CatalogueData) -> tuple[dict[str, str], Counter[str]]:
        """Every indexed surface word -> its stem, and how often each word occurs in the catalogue."""
        texts: list[str] = []
        for action in data.actions:
            texts.append(action.title)
            texts.extend(action.keywords)
            texts.extend(action.examples)
        for area in data.areas:
            texts.append(area.title)
            texts.extend(data.area_keywords.get(area.code, ()))
        texts.extend(domain.name for domain in data.domains)
        texts.extend(word for concept in data.concepts for word in concept.words)
        frequency: Counter[str] = Counter()
        for text, repeats in Counter(texts).items():  # a big catalogue repeats its texts: analyse each once
            for word in self._analyzer.words(text):
                if len(word) >= COMPOUND_MIN_PART and word.isalpha():
                    frequency[word] += repeats
        return {word: self._analyzer.stem(word) for word in frequency}, frequency

    def _known(self, term: str) -> bool:
        """A term the catalogue knows: indexed, in the lexicon, or a word of a lexicon phrase ("keep an eye")."""
        return (
            term in self._postings
            or term in self._area_postings
            or term in self._concepts_of
            or term in self._phrase_words
        )

    # --- querying ------------------------------------------------------------------------

    def _correct(self, word: str) -> list[tuple[str, str]]:
        """Known (word, stem) pairs for an unknown word: its closest spelling, or its two halves.

        Spelling is corrected within the edits allowed for the word's length, first against the
        catalogue's words, then stem against stem ("housholds" -> "household"); a compound of two
        known words is split ("schoolchildren" -> "school", "children"). A word of ordinary text
        ("brigade", "constantly", "password") is spelt right and a word of its own: never "corrected"
        into another, nor split ("password" is no "pass" and "word", "breakfast" no "break" and "fast").
        """
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha() or word in self._ordinary_words:
            return []
        edits = FUZZY_LONG_EDITS if len(word) >= FUZZY_LONG_WORD else FUZZY_SHORT_EDITS
        fixed = self._word_speller.correct(word, edits)
        if fixed is not None:
            return [(fixed, self._vocabulary[fixed])]
        fixed = self._stem_speller.correct(self._analyzer.stem(word), edits)
        if fixed is not None:
            return [(fixed, fixed)]
        for cut in range(COMPOUND_MIN_PART, len(word) - COMPOUND_MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if head in self._vocabulary and tail in self._vocabulary:
                return [(head, self._vocabulary[head]), (tail, self._vocabulary[tail])]
        return []

    def _word_fact(self, word: str) -> tuple[str, tuple[tuple[str, str, float], ...]]:
        """A query word's stem and what it stands for: (word shown, known stem, weight) for itself or its correction.

        The weight: :data:`FUZZY_WEIGHT` for a corrected word, times the rank weight of its specificity (see
        :data:`EVERYDAY_RANK_WEIGHT`). Kept per word (see :attr:`_word_facts`): long messages repeat words.
        """
        stem = self._analyzer.stem(word)
        inflected = [s for s in map(self._analyzer.stem, self._analyzer.inflected(word)) if self._known(s)]
        if self._known(stem):
            found, weight = [(word, stem)], 1.0
        elif inflected:  # a form the stemmer leaves whole ("menacent"): the stem of its base form ("menacer")
            found, weight = [(word, inflected[0])], 1.0
        else:
            found, weight = self._correct(word), FUZZY_WEIGHT
        facts = (
            stem,
            tuple(
                (shown, known, weight * (EVERYDAY_RANK_WEIGHT + (1.0 - EVERYDAY_RANK_WEIGHT) * self.specificity(known)))
                for shown, known in found
            ),
        )
        if len(self._word_facts) < 100_000:
            self._word_facts[word] = facts
        return facts

    def _query(self, text: str) -> _Query:
        """The query's terms: its known words (typos corrected), their phrases and their concepts.

        Adjacent known words also form an order-free phrase term; a word or phrase of the concept
        lexicon also brings in its concepts, at :data:`CONCEPT_WEIGHT`, and the concepts these
        imply (a hazard's risk assessment, warning, continuity) at :data:`IMPLIED_WEIGHT` of that.
        Each word is weighed by its specificity (see :data:`EVERYDAY_RANK_WEIGHT`) and, in a
        message of several sentences, by its sentence's (see :meth:`_Analyzer.sentences`).
        """
        query = _Query()
        terms = query.terms
        sequence: list[str] = []  # the stems in query order; "" for an unknown word, which breaks a phrase
        distinct: set[str] = set()
        foreign: set[str] = set()
        full = False
        for sentence, emphasis in self._sentences(text[:MAX_QUERY_CHARS]):
            sequence.append("")  # no phrase across sentences
            for word in self._analyzer.words(sentence):
                facts = self._word_facts.get(word)
                if facts is None:
                    facts = self._word_fact(word)
                stem, found = facts
                if stem not in distinct:
                    if len(distinct) >= MAX_QUERY_WORDS:
                        full = True
                        break
                    query.odds += emphasis * self._request_odds.get(stem, 0.0)
                distinct.add(stem)
                if not found:
                    sequence.append("")
                    if stem not in foreign:  # a word the catalogue does not know: what else the question is about
                        foreign.add(stem)
                        query.foreign += emphasis * self._rarity.get(word, 0.0)
                    continue
                for shown, known, weight in found:
                    sequence.append(known)
                    if weight * emphasis > terms.get(known, (0.0, ""))[0]:
                        terms[known] = (weight * emphasis, shown)
            if full:
                break
        query.words = len(distinct)
        sources = list(terms)
        known_pairs = self._known_pairs
        for a, b in itertools.pairwise(sequence):
            if not a or not b:
                continue
            pair = known_pairs.get((a, b))
            if pair is None:  # adjacent stems repeat across messages: whether they make a known phrase is kept
                pair = self._analyzer.pair(a, b) if a != b else ""
                if pair not in self._postings and pair not in self._concepts_of:
                    pair = ""
                if len(known_pairs) < 100_000:
                    known_pairs[a, b] = pair
            if pair and pair not in terms:
                terms[pair] = (min(terms[a][0], terms[b][0]), f"{terms[a][1]} {terms[b][1]}")
                sources.append(pair)
        hazard = (0.0, "")
        # What a concept implies leads only as far as the question names nothing else of the field: "what to do
        # about floods?" reaches planning and warning, "how do we keep the pumps maintained before a flood?"
        # maintenance.
        implying = other = 0.0
        for source in sources:
            weight, _ = terms[source]
            if " " in source:
                continue
            specificity = self.specificity(source)
            evidence = weight * specificity
            if source in self._implying:
                implying = max(implying, evidence)
            elif specificity >= GENERIC_SPECIFICITY:
                other += evidence
        focus = implying / (implying + other) if implying else 1.0
        for source in sources:
            concepts = self._concepts_of.get(source)
            if not concepts:  # most words and phrases bring in no concept
                continue
            weight, shown = terms[source]
            specificity = self.specificity(source)
            query.concepts_of[source] = list(concepts)
            for concept in concepts:
                # One hazard is weak evidence for another ("earthquake" ~ "flood"): a hazard leads to what it implies.
                bridge = HAZARD_BRIDGE_WEIGHT if concept in self._hazards else CONCEPT_WEIGHT
                if bridge * weight > terms.get(concept, (0.0, ""))[0]:
                    terms[concept] = (bridge * weight, shown)  # the word shown, and its specificity, go together
                    query.specificity[concept] = specificity
                if concept in self._hazards and weight > hazard[0]:
                    hazard = (weight, shown)
                for implied in self._implies.get(concept, ()):
                    if focus * IMPLIED_WEIGHT * CONCEPT_WEIGHT * weight > terms.get(implied, (0.0, ""))[0]:
                        terms[implied] = (focus * IMPLIED_WEIGHT * CONCEPT_WEIGHT * weight, shown)
                        query.specificity[implied] = specificity
        query.hazard = hazard[1]
        return query

    def _sentences(self, text: str) -> list[tuple[str, float]]:
        """The text's sentences and weights (see :meth:`_Analyzer.sentences`): the question first if it names a topic.

        A question that names nothing of the field ("What should we do first?", "Is there an action
        for that?") leaves it to the context to say what the message is about: then it is weighed whole.
        """
        sentences = self._analyzer.sentences(text)
        if all(emphasis == 1.0 for _, emphasis in sentences):
            return sentences
        asked = (word for sentence, emphasis in sentences if emphasis == 1.0 for word in self._analyzer.words(sentence))
        if not any(self.specificity(self._analyzer.stem(word)) > 0.0 for word in asked):
            return [(sentence, 1.0) for sentence, _ in sentences]
        return sentences

    def question_of(self, text: str) -> str | None:
        """The sentences of a long message that ask (``None`` for a short message, or one where all or none ask).

        The search weighs these first when they name a topic of the field; when they do not ("What should we
        do first?"), the caller can tell a generic question from this, and the search ranks by the whole message.
        """
        sentences = self._analyzer.sentences(text[:MAX_QUERY_CHARS])
        asking = [sentence.strip() for sentence, emphasis in sentences if emphasis == 1.0]
        return " ".join(asking) if len(asking) < len(sentences) else None

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[Match]:
        """The best ``limit`` actions for ``text``, best first; empty for empty or unmatched text."""
        if limit <= 0 or not text.strip():
            return []
        query = self._query(text)
        raw, deferred = self._raw_scores(query.terms, limit)
        # The same pool either way (equal scores keep their order): heapq.nlargest walks the scores in Python, one
        # sort in C is quicker for the few hundred actions a catalogue of the usual size scores.
        if len(raw) <= SORTED_POOL_SCORES:
            pool = sorted(raw, key=raw.__getitem__, reverse=True)[: limit * CANDIDATE_POOL]
        else:
            pool = heapq.nlargest(limit * CANDIDATE_POOL, raw, key=raw.__getitem__)
        for term in deferred:
            weight, postings = query.terms[term][0], self._postings[term]
            for index in pool:
                raw[index] += weight * _weight_in(postings, index)
        checks = self._checks(query)
        # A question that reads like an ordinary office request gets no confident answer, whatever words it shares.
        foreign = FOREIGN_WEIGHT * query.foreign if query.odds >= REQUEST_ODDS else math.inf
        assessed, reached = self._assess(pool, raw, checks, query.words, foreign)
        by_area: dict[int, float] = defaultdict(float)
        for index in pool:
            by_area[self._area_of[index]] += raw[index]
        pooled = sum(by_area.values()) or 1.0
        rank = {
            index: round(assessed[index][0] * (1.0 - AREA_VOTE + AREA_VOTE * by_area[self._area_of[index]] / pooled), 1)
            for index in pool
        }
        ranked = sorted(pool, key=lambda index: (-rank[index], self._lateness[index], index))
        matches: list[Match] = []
        # Confident answers lead: a match ranked below one that is not confident is not confident either. What put
        # the unconfident one above it (its own terms, its area's) outweighs its evidence, so that evidence does
        # not tell it from its rivals; the bot answers with the first confident match, and it must be the first.
        leads = True
        for index in ranked[:limit]:  # the reasons of the matches shown only: the checks of the action and its area
            area = self._area_of[index]
            said = [check for check, (own, areas) in zip(checks, reached, strict=True) if index in own or area in areas]
            matches.append(self._match(index, rank[index], *assessed[index], said, query, leads=leads))
            leads = matches[-1].confident
        return matches

    def _raw_scores(self, terms: dict[str, tuple[float, str]], limit: int) -> tuple[dict[int, float], list[str]]:
        """Action index -> BM25F score summed over the query terms, plus a share of its area's score.

        In a big catalogue, terms found in more than :data:`COMMON_TERM_DOCS` actions are not
        walked (that is where the time goes, and they weigh little): they are returned apart, to
        be added to the candidates' scores only. Terms go in a fixed order (longest postings
        first, then by term), so word order in the query cannot change the result, not even
        through floating-point ties.
        """
        scores: dict[int, float] = {}
        get = scores.get
        order = self._term_order
        present = sorted((t for t in terms if t in order), key=order.__getitem__)
        common = max(COMMON_TERM_DOCS, int(COMMON_TERM_SHARE * len(self.actions)))
        # No term is in more actions than a small catalogue has: nothing to look at per term.
        deferred = [t for t in present if len(self._postings[t]) > common] if len(self.actions) > common else []
        if deferred and len(deferred) == len(present):
            deferred.pop()  # only common terms: walk the rarest
        walked = present[len(deferred) :]
        for term in walked:
            weight = terms[term][0]
            postings = self._postings[term]
            if not scores:
                scores = dict(postings) if weight == 1.0 else {i: weight * v for i, v in postings.items()}
                get = scores.get
                continue
            for index, value in postings.items():
                scores[index] = get(index, 0.0) + weight * value
        areas: dict[int, float] = {}
        area_postings = self._area_postings
        for term in sorted(t for t in terms if t in area_postings):
            for area, value in self._area_postings[term].items():
                areas[area] = areas.get(area, 0.0) + AREA_WEIGHT * terms[term][0] * value
        if areas:
            area_of = self._area_of
            scores = {index: value + areas.get(area_of[index], 0.0) for index, value in scores.items()}
            # An action the query reaches only through its area is a weak, last-resort answer.
            for area in sorted(areas, key=lambda a: (-areas[a], a)):
                for index in self._actions_of_area[area]:
                    if len(scores) >= limit:
                        break
                    scores.setdefault(index, areas[area])
        return scores, deferred

    def _weight(self, term: str, index: int, area: int) -> tuple[float, float]:
        """A term's weight in an action, and in the action's area."""
        return _weight_in(self._postings.get(term), index), _weight_in(self._area_postings.get(term), area)

    def _checks(self, query: _Query) -> list[_Check]:
        """What :meth:`_assess` looks up per candidate, gathered once per query.

        Per query term: its weight, its postings in actions and in areas, how much it is evidence
        of the field (its specificity), how much it counts towards confidence (an everyday word
        :data:`CONFIDENCE_EVERYDAY_WEIGHT`), whether it is a word, a phrase or a concept, its
        concepts' postings, the term and the word shown for it. What depends on the term alone
        is worked out once per term and kept (:meth:`_term_facts`): long messages repeat words.
        """
        checks = []
        kept = self._facts
        concepts_of = query.concepts_of
        for term, (weight, shown) in query.terms.items():
            key = (term, tuple(concepts_of[term]) if term in concepts_of else ())
            facts = kept[key] if key in kept else self._term_facts(*key)  # a long message has a hundred terms
            if facts is None:
                continue
            own, area, evidence, counts, kind, concepts, area_concepts, described = facts
            if kind == _CONCEPT:
                evidence = query.specificity.get(term, 0.0)
                counts = CONFIDENCE_EVERYDAY_WEIGHT + (1.0 - CONFIDENCE_EVERYDAY_WEIGHT) * evidence
            checks.append((weight, own, area, evidence, counts, kind, concepts, area_concepts, term, shown, described))
        # Said together, the words of a lexicon phrase count towards confidence as the phrase does ("political" of
        # "political support"): the phrase is the field's, whatever its words are apart.
        phrased: dict[str, float] = {}
        for check in checks:
            if check[5] == _PHRASE and check[8] in self._concepts_of:
                for part in check[8].split(" "):
                    phrased[part] = max(phrased.get(part, 0.0), check[4])
        if phrased:
            checks = [
                (*check[:4], max(check[4], phrased[check[8]]), *check[5:])
                if check[5] == _WORD and check[8] in phrased
                else check
                for check in checks
            ]
        return checks

    def _term_facts(self, term: str, concepts: tuple[str, ...]) -> _TermFacts | None:
        """A query term's postings, specificity, confidence weight, kind, and the actions and areas its concepts reach.

        Last, the actions whose title or keywords say it (:meth:`_assess` looks it up for every term).
        ``None`` for a term the catalogue does not know. Kept per term and concepts, as :meth:`_checks` looks it up.
        """
        key = (term, concepts)
        empty: _Postings = {}
        kind = _CONCEPT if term.startswith(CONCEPT_PREFIX) else _PHRASE if " " in term else _WORD
        if kind != _WORD:
            concepts = ()
        own, area = self._postings.get(term, empty), self._area_postings.get(term, empty)
        if not (own or area or concepts):
            facts = None
        else:
            if kind == _CONCEPT:
                evidence = ordinary = 0.0  # per query: the specificity of the words that brought it in
            elif term not in self._described and term not in self._concepts_of:
                # Found only in example questions ("spring", "sure", "last spring"): the chance words and pairs of
                # the examples rank, but are no evidence and count towards confidence as everyday words.
                evidence = ordinary = 0.0
            else:
                evidence = self.specificity(term)
                ordinary = max(self._specificity.get(stem, 1.0) for stem in term.split(" "))
                if kind == _PHRASE:  # a phrase of the field is the field's: "resilience plan", "task force"
                    ordinary = max(ordinary, evidence)
            facts = (
                own,
                area,
                evidence,
                CONFIDENCE_EVERYDAY_WEIGHT + (1.0 - CONFIDENCE_EVERYDAY_WEIGHT) * ordinary,
                kind,
                frozenset(index for c in concepts for index in self._postings.get(c, ())),
                frozenset(area for c in concepts for area in self._area_postings.get(c, ())),
                self._described_in.get(term, _NOWHERE),
            )
        if len(self._facts) < 100_000:
            self._facts[key] = facts
        return facts

    def _assess(
        self, pool: list[int], raw: dict[int, float], checks: list[_Check], words: int, foreign: float = 0.0
    ) -> tuple[dict[int, tuple[float, float, float, float]], list[tuple[Set[int], Set[int]]]]:
        """Per candidate: its calibrated 0-100 score, field evidence, most specific term's specificity, field coverage.

        Field coverage: the share of the question's field words it explains (see :data:`FIELD_COVERAGE`).

        The score: evidence saturates, then is discounted by query coverage, the share of the
        query's distinct words (at most :data:`COVERAGE_WORDS`) the action explains; a word
        matched through its concept counts :data:`CONCEPT_COVERAGE`, one found only in the area
        :data:`AREA_WEIGHT`, so one incidental word amid chatter stays unconfident. The evidence:
        the raw score of the query terms that are the field's vocabulary (see
        :meth:`_evidence_terms`), each weighed by its specificity (see :data:`EVERYDAY_ZIPF`); none
        when the field's words of the question weigh less than ``foreign``, its words the catalogue
        does not know (see :data:`FOREIGN_WEIGHT`).

        Each term is visited once, for the candidates it reaches only (a long message has a hundred terms,
        most of which reach none of a dozen candidates). Also returned: per check, the candidates and the
        candidates' areas that say its term (a match's reasons are among the checks of the action and of
        its area; only the matches shown need them, so they are picked there, not gathered per action).
        """
        candidates = set(pool)
        areas = {self._area_of[index] for index in pool}
        # Per candidate, and per area (what its actions get from their area): covered, evidence, strongest, plain,
        # specific, explained. A term's weight in an area is counted once for the area, not once per action in it.
        sums = {index: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0] for index in pool}
        in_area = {area: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0] for area in areas}
        reached: list[tuple[Set[int], Set[int]]] = []  # per check: the candidates and areas it reaches
        field = 0.0
        area_of = self._area_of
        for check in checks:
            weight, own_postings, area_postings, is_evidence, counts, kind, concepts, area_concepts, _, _, described = (
                check
            )
            # The products of the query's weight are worked out once per term, in the same order as per action.
            in_field = weight * is_evidence
            in_area_weight = weight * AREA_WEIGHT
            area_hits = area_postings.keys() & areas if area_postings else _NOWHERE
            for area in area_hits:
                value = in_area_weight * area_postings[area]
                sum_ = in_area[area]
                sum_[3] += value
                sum_[4] += counts * value
                if is_evidence and value:
                    sum_[1] += is_evidence * value
                    if is_evidence > sum_[2]:
                        sum_[2] = is_evidence
            own_hits = own_postings.keys() & candidates if own_postings else _NOWHERE
            reached.append((own_hits, area_hits))
            if kind != _CONCEPT:
                field += in_field
                # What the question's word is worth in coverage: 1 said by the action, CONCEPT_COVERAGE said through
                # its concept, AREA_WEIGHT said only by the action's area.
                if area_concepts:
                    area_hits = area_hits | (area_concepts & areas)
                for area in area_hits:
                    in_area[area][5] += in_field * AREA_WEIGHT
                    if kind == _WORD:
                        in_area[area][0] += in_area_weight
                if concepts:
                    for index in concepts & candidates:
                        if index in own_hits:
                            continue
                        share = CONCEPT_COVERAGE - AREA_WEIGHT if area_of[index] in area_hits else CONCEPT_COVERAGE
                        sums[index][5] += in_field * share
                        if kind == _WORD:
                            sums[index][0] += weight * share
            for index in own_hits:
                value = weight * own_postings[index]
                sum_ = sums[index]
                sum_[3] += value
                if index not in described:
                    # Only one of this action's example questions says it: it ranks, but is no evidence.
                    sum_[4] += CONFIDENCE_EVERYDAY_WEIGHT * value
                else:
                    sum_[4] += counts * value
                    if is_evidence and value:
                        sum_[1] += is_evidence * value
                        if is_evidence > sum_[2]:  # max(), without a call per action and term
                            sum_[2] = is_evidence
                if kind != _CONCEPT:
                    share = 1.0 - AREA_WEIGHT if area_of[index] in area_hits else 1.0
                    sum_[5] += in_field * share
                    if kind == _WORD:
                        sum_[0] += weight * share
        assessed = {}
        for index in pool:
            covered, evidence, strongest, plain, specific, explained = sums[index]
            area = area_of[index]
            if area in in_area:
                shared = in_area[area]
                covered += shared[0]
                evidence += shared[1]
                strongest = max(strongest, shared[2])
                plain += shared[3]
                specific += shared[4]
                explained += shared[5]
            discount = min(covered / max(min(words, COVERAGE_WORDS), 1), 1.0) ** COVERAGE_EXPONENT
            prior = 1.0 - STAGE_PRIOR * self._lateness[index]
            own = raw[index]
            score = round(100.0 * own / (own + SCORE_HALF_POINT) * discount * prior, 1)
            sure = own * specific / plain if plain else own
            sure_score = 100.0 * sure / (sure + SCORE_HALF_POINT) * discount
            assessed[index] = (
                score,
                evidence if sure_score >= CONFIDENT_SCORE and field >= foreign else 0.0,
                strongest,
                explained / field if field else 0.0,
            )
        return assessed, reached

    def _match(
        self,
        index: int,
        ranking: float,
        score: float,
        evidence: float,
        strongest: float,
        explained: float,
        checks: list[_Check],
        query: _Query,
        *,
        leads: bool = True,
    ) -> Match:
        """A :class:`Match` that says why: the matching words, strongest first.

        ``checks``: those whose term the action or its area says. ``ranking``: the score it ranks by and
        shows (its own ``score`` weighed by its area's share of the candidates' evidence, see
        :data:`AREA_VOTE`); whether it is confident is decided on its own ``score``, and only where every match
        ranked above it is confident (``leads``; see :meth:`search`).

        A matched phrase stands in for its two words; a concept is shown as the query's word and
        the action's word for it ("funding ~ budget"), unless the word itself matched. Words of
        the field come first, generic ones (below :data:`GENERIC_SPECIFICITY`) after them.
        """
        area = self._area_of[index]
        contributions: list[tuple[bool, float, str, str]] = []
        strength: dict[str, float] = {}
        phrases: list[str] = []
        literal: set[str] = set()
        for weight, own_postings, area_postings, specific, _, kind, _, _, term, shown, _ in checks:
            value = own_postings.get(index, 0.0) + AREA_WEIGHT * area_postings.get(area, 0.0)
            if value > 0:
                contributions.append((specific < GENERIC_SPECIFICITY, -weight * value, term, shown))
                strength[term] = specific
                if kind == _PHRASE:
                    phrases.append(term)
                if kind != _CONCEPT:
                    literal.add(shown)
        # A phrase stands in for its words in the reasons, unless it says less than they do (a chance pair of an
        # example question, "flood last", is no evidence): then its words are the reasons, and it is none.
        weak = {term for term in phrases if any(strength.get(part, 0.0) > strength[term] for part in term.split(" "))}
        phrased = {part for term in phrases if term not in weak for part in term.split(" ")}
        terms: list[str] = []
        why: list[str] = []
        bridged: set[str] = set()
        for _, _, term, shown in sorted(contributions):
            if term in phrased or term in weak:
                continue
            if term.startswith(CONCEPT_PREFIX):
                if shown in literal or shown in bridged:
                    continue
                bridged.add(shown)  # one reason per word: its strongest concept
                said = self._concept_words[index].get(term) or (
                    self._area_concept_words[area].get(term) if area >= 0 else None
                )
                why.append(f"{shown} ~ {said}" if said and said != shown else shown)
            else:
                why.append(shown)
            terms.append(shown)
        return Match(
            action=self.actions[index],
            score=ranking,
            confident=leads
            and score >= CONFIDENT_SCORE
            and evidence >= MIN_EVIDENCE
            and strongest >= GENERIC_SPECIFICITY
            and explained >= FIELD_COVERAGE,
            terms=tuple(dict.fromkeys(terms)),
            why=tuple(dict.fromkeys(why))[:MAX_WHY],
            hazard=query.hazard,
        )
