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
   words ("schoolchildren"); a corrected word counts a little less.
3. **Score** with BM25F: each action is one document with weighted fields (title >
   keywords/synonyms > area title and area keywords), rare terms weigh more than common
   ones (IDF), repeated terms saturate, and long keyword lists are length-normalised.
   Unordered pairs of adjacent words ("emergency drills" = "drills emergency") are indexed
   as extra phrase terms, so a matching phrase beats the same words scattered.
4. **Calibrate**: the raw score (evidence in IDF units) maps to 0-100 with a saturating
   curve, discounted by the share of the query's words the action explains; a match is
   *confident* from :data:`CONFIDENT_SCORE` on, so off-topic chatter ("hello", "what time
   is lunch?", one incidental catalogue word amid unrelated ones) comes back unconfident.

Everything is built once per catalogue from its data (titles, keywords, area titles and
keywords), so any catalogue file in any snowball-supported language works without code.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from catalogue.model import Match

if TYPE_CHECKING:
    from catalogue.catalogue import Catalogue

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
#: Field weights: the official title counts most, synonyms next, the area's words a little.
TITLE_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.8
AREA_WEIGHT = 0.2
#: BM25 term-frequency saturation and length normalisation.
BM25_K1 = 1.2
BM25_B = 0.6
#: How much the share of query words an action explains discounts its score (0 = not at all).
COVERAGE_EXPONENT = 0.3
#: Coverage counts matched words out of at most this many: a long question full of context is
#: not penalised for its length, only for explaining fewer words than this.
COVERAGE_WORDS = 4
#: Candidates re-scored (with coverage) per result asked for.
CANDIDATE_POOL = 4
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
    eg ie re ve ll
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_TOKEN = re.compile(r"[^\W_]+")
_HYPHENATED = re.compile(r"(?<![^\W_])[^\W_]++(?:[-/][^\W_]++)+")  # possessive: linear on garbage


def _fold(text: str) -> str:
    """Case- and accent-fold, so "Émergence" and "emergence" are one word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class _Analyzer:
    """Turns text into (surface word, stem) pairs the same way for documents and queries."""

    def __init__(self, language: str) -> None:
        code = language.lower().split("-")[0].split("_")[0]
        algorithm = SNOWBALL_LANGUAGES.get(code)
        self._stemmer = snowballstemmer.stemmer(algorithm) if algorithm else None
        self.stop_words = ENGLISH_STOP_WORDS if code == "en" else frozenset()
        self._stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        """The stem of an already folded word (cached: vocabularies are small)."""
        stem = self._stems.get(word)
        if stem is None:
            stem = _fold(self._stemmer.stemWord(word)) if self._stemmer else word
            if len(self._stems) < 100_000:
                self._stems[word] = stem
        return stem

    def words(self, text: str) -> list[str]:
        """Content words, folded, in order; hyphenated compounds also yield their joined form."""
        folded = _fold(text)
        words = [
            w
            for w in _TOKEN.findall(folded)
            if MIN_WORD_LENGTH <= len(w) <= MAX_WORD_LENGTH and w not in self.stop_words
        ]
        for compound in _HYPHENATED.findall(folded):
            joined = re.sub(r"[-/]", "", compound)
            if len(joined) <= MAX_WORD_LENGTH:
                words.append(joined)
        return words

    def terms(self, text: str) -> list[str]:
        """Unigram stems plus unordered adjacent pairs, the terms a document is indexed under."""
        stems = [self.stem(w) for w in self.words(text)]
        return stems + [_pair(a, b) for a, b in itertools.pairwise(stems) if a != b]


#: A term's postings: action indices in ascending order, and the term's BM25F weight in each.
_Postings = tuple[list[int], list[float]]


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
    postings: dict[str, _Postings] = defaultdict(lambda: ([], []))
    for index, tf in enumerate(frequencies):
        for term, value in tf.items():
            weight = idf[term] * value * (BM25_K1 + 1.0) / (value + BM25_K1)
            indices, weights = postings[term]
            indices.append(index)
            weights.append(weight * PHRASE_WEIGHT if " " in term else weight)
    return dict(postings)


def _weight_in(postings: _Postings | None, index: int) -> float:
    """A term's weight in one document (0 when absent); postings are in document order."""
    if postings is None:
        return 0.0
    indices, weights = postings
    position = bisect.bisect_left(indices, index)
    return weights[position] if position < len(indices) and indices[position] == index else 0.0


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

    def correct(self, word: str, edits: int) -> str | None:
        """The commonest vocabulary word within ``edits`` edits of ``word`` (``None`` when none)."""
        candidates = {c for variant in _deletions(word) for c in self._deletions.get(variant, ())}
        close = [c for c in candidates if OSA.distance(word, c, score_cutoff=1) <= 1]
        if close:
            return min(close, key=self._rank.__getitem__)
        if edits < 2:
            return None
        choices = sorted(
            (w for n in range(len(word) - edits, len(word) + edits + 1) for w in self._by_length.get(n, ())),
            key=self._rank.__getitem__,
        )
        best = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=edits)
        return best[0] if best else None


def _deletions(word: str) -> set[str]:
    """The word and every string one deletion away: two words one edit apart share one of these."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class SearchIndex:
    """A BM25F index over one catalogue's actions (and, at low weight, their areas)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.actions = catalogue.actions
        self._analyzer = analyzer = _Analyzer(catalogue.language)
        self._postings = _postings(
            [
                [
                    (TITLE_WEIGHT, analyzer.terms(action.title)),
                    (KEYWORD_WEIGHT, [term for keyword in action.keywords for term in analyzer.terms(keyword)]),
                ]
                for action in self.actions
            ],
            reference_size=IDF_REFERENCE_SIZE,
        )
        # Areas are scored as their own small documents, then lend a fraction of their score to
        # their actions: no area-wide postings to walk at query time, whatever the catalogue size.
        domains = {domain.code: domain.name for domain in catalogue.domains}
        area_texts = {
            area.code: [area.title, *catalogue.area_keywords.get(area.code, ()), domains.get(area.domain, "")]
            for area in catalogue.areas
        }
        self._area_codes = list(area_texts)
        self._area_postings = _postings(
            [[(1.0, [term for text in texts for term in analyzer.terms(text)])] for texts in area_texts.values()]
        )
        area_index = {code: index for index, code in enumerate(self._area_codes)}
        self._area_of = [area_index.get(action.area, -1) for action in self.actions]
        self._actions_of_area: list[list[int]] = [[] for _ in self._area_codes]
        for index, area in enumerate(self._area_of):
            if area >= 0:
                self._actions_of_area[area].append(index)
        self._vocabulary, frequency = self._build_vocabulary(catalogue)
        stems: Counter[str] = Counter()
        for word, stem in self._vocabulary.items():
            if self._known(stem):
                stems[stem] += frequency[word]
        self._word_speller = _Speller({word: n for word, n in frequency.items() if len(word) >= FUZZY_MIN_LENGTH - 1})
        self._stem_speller = _Speller(stems)

    def _build_vocabulary(self, catalogue: Catalogue) -> tuple[dict[str, str], Counter[str]]:
        """Every indexed surface word -> its stem, and how often each word occurs in the catalogue."""
        texts: list[str] = []
        for action in catalogue.actions:
            texts.append(action.title)
            texts.extend(action.keywords)
        for area in catalogue.areas:
            texts.append(area.title)
            texts.extend(catalogue.area_keywords.get(area.code, ()))
        texts.extend(domain.name for domain in catalogue.domains)
        frequency: Counter[str] = Counter()
        for text in texts:
            words = self._analyzer.words(text)
            frequency.update(word for word in words if len(word) >= COMPOUND_MIN_PART and word.isalpha())
        return {word: self._analyzer.stem(word) for word in frequency}, frequency

    def _known(self, term: str) -> bool:
        return term in self._postings or term in self._area_postings

    def _correct(self, word: str) -> list[tuple[str, str]]:
        """Known (word, stem) pairs for an unknown word: its closest spelling, or its two halves.

        Spelling is corrected within the edits allowed for the word's length, first against the
        catalogue's words, then stem against stem ("housholds" -> "household"); a compound of two
        known words is split ("schoolchildren" -> "school", "children").
        """
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha():
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

    def _query_terms(self, text: str) -> tuple[dict[str, tuple[float, str]], int]:
        """Query term -> (weight, the word to show as the reason), and the number of distinct words.

        Typos are corrected; adjacent known words also form an order-free phrase term.
        """
        terms: dict[str, tuple[float, str]] = {}
        corrections: dict[str, list[tuple[str, str]]] = {}
        sequence: list[str] = []  # the stems in query order; "" for an unknown word, which breaks a phrase
        distinct: set[str] = set()
        for word in self._analyzer.words(text[:MAX_QUERY_CHARS]):
            stem = self._analyzer.stem(word)
            if stem not in distinct and len(distinct) >= MAX_QUERY_WORDS:
                break
            distinct.add(stem)
            if self._known(stem):
                found, weight = [(word, stem)], 1.0
            else:
                if word not in corrections:
                    corrections[word] = self._correct(word)
                found, weight = corrections[word], FUZZY_WEIGHT
                if not found:
                    sequence.append("")
                    continue
            for shown, known in found:
                sequence.append(known)
                if weight > terms.get(known, (0.0, ""))[0]:
                    terms[known] = (weight, shown)
        for a, b in itertools.pairwise(sequence):
            pair = _pair(a, b) if a and b and a != b else ""
            if pair in self._postings and pair not in terms:
                terms[pair] = (min(terms[a][0], terms[b][0]), f"{terms[a][1]} {terms[b][1]}")
        return terms, len(distinct)

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[Match]:
        """The best ``limit`` actions for ``text``, best first; empty for empty or unmatched text."""
        if limit <= 0 or not text.strip():
            return []
        terms, words = self._query_terms(text)
        raw = self._raw_scores(terms, limit)
        pool = heapq.nlargest(limit * CANDIDATE_POOL, raw, key=raw.__getitem__)
        ranked = sorted((-self._score(index, raw[index], terms, words), index) for index in pool)
        return [self._match(index, -negative, terms) for negative, index in ranked[:limit]]

    def _raw_scores(self, terms: dict[str, tuple[float, str]], limit: int) -> dict[int, float]:
        """Action index -> BM25F score summed over the query terms, plus a share of its area's score.

        Terms go in a fixed order (longest postings first, then by term), so word order in the
        query cannot change the result, not even through floating-point ties.
        """
        scores: dict[int, float] = {}
        get = scores.get
        present = sorted((t for t in terms if t in self._postings), key=lambda t: (-len(self._postings[t][0]), t))
        for term in present:
            weight = terms[term][0]
            indices, values = self._postings[term]
            if not scores:
                scores = (
                    dict(zip(indices, values, strict=True))
                    if weight == 1.0
                    else {i: weight * v for i, v in zip(indices, values, strict=True)}
                )
                get = scores.get
                continue
            for index, value in zip(indices, values, strict=True):
                scores[index] = get(index, 0.0) + weight * value
        areas: dict[int, float] = {}
        for term in sorted(t for t in terms if t in self._area_postings):
            for area, value in zip(*self._area_postings[term], strict=True):
                areas[area] = areas.get(area, 0.0) + AREA_WEIGHT * terms[term][0] * value
        if areas:
            area_of = self._area_of
            for index, value in scores.items():
                scores[index] = value + areas.get(area_of[index], 0.0)
            # An action the query reaches only through its area is a weak, last-resort answer.
            for area in sorted(areas, key=lambda a: (-areas[a], a)):
                for index in self._actions_of_area[area]:
                    if len(scores) >= limit:
                        break
                    scores.setdefault(index, areas[area])
        return scores

    def _score(self, index: int, raw: float, terms: dict[str, tuple[float, str]], words: int) -> float:
        """The calibrated 0-100 score: evidence saturates, then is discounted by query coverage.

        Coverage is the share of the query's distinct words (at most :data:`COVERAGE_WORDS`) the
        action explains, words found only in its area counting a little, so one incidental word
        amid chatter stays unconfident.
        """
        area = self._area_of[index]
        covered = 0.0
        for term, (weight, _) in terms.items():
            if " " in term:
                continue
            if _weight_in(self._postings.get(term), index) > 0:
                covered += weight
            elif area >= 0 and _weight_in(self._area_postings.get(term), area) > 0:
                covered += weight * AREA_WEIGHT
        coverage = min(covered / max(min(words, COVERAGE_WORDS), 1), 1.0)
        return round(100.0 * raw / (raw + SCORE_HALF_POINT) * coverage**COVERAGE_EXPONENT, 1)

    def _match(self, index: int, score: float, terms: dict[str, tuple[float, str]]) -> Match:
        """A :class:`Match` with the query words that brought the action up, strongest first.

        A matched phrase stands in for its two words.
        """
        area = self._area_of[index]
        contributions: list[tuple[float, str, str]] = []
        for term, (weight, shown) in terms.items():
            value = _weight_in(self._postings.get(term), index)
            if area >= 0:
                value += AREA_WEIGHT * _weight_in(self._area_postings.get(term), area)
            if value > 0:
                contributions.append((-weight * value, term, shown))
        phrased = {part for _, term, _ in contributions if " " in term for part in term.split(" ")}
        ordered = sorted(c for c in contributions if c[1] not in phrased)
        return Match(
            action=self.actions[index],
            score=score,
            confident=score >= CONFIDENT_SCORE,
            terms=tuple(dict.fromkeys(shown for _, _, shown in ordered)),
        )
