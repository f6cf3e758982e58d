"""A language's own words that matching needs: stop words, question words, common words, stemming fixes.

Read from ``data/language-<code>.yaml`` (a file per language, data not code), so adding a language
to search and to the language check is adding a file. The search passes one :class:`LanguageWords` to
its analyser (tokens, stop words, stems); the conversation reads :attr:`LanguageWords.common` to tell
which language a message is written in.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import yaml

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
"""An ISO 639 language code, the name part of a data file (never a path)."""


class _WordsLoader(yaml.SafeLoader):
    """YAML as a word list needs it: ``on``, ``no``, ``yes``, ``off`` are words, not booleans.

    YAML 1.1 (PyYAML's default) reads a bare ``no`` (Spanish and Portuguese "no", "in the") or ``on``
    (French "on") as ``False``/``True``, which silently dropped them from the stop words.
    """


_WordsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def primary_language(tag: str | None) -> str:
    """The language part of a language tag, lower case ("pt-BR", "pt_BR", "PT" -> "pt"; ``None`` -> "")."""
    return (tag or "").replace("_", "-").split("-")[0].lower()


def fold(text: str) -> str:
    """Case- and accent-fold ("Planificación" -> "planificacion"): accents never decide a match."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True, slots=True)
class LanguageWords:
    """One language's words for matching, folded like the text they are compared with."""

    language: str
    common: frozenset[str] = frozenset()
    """The commonest short words: enough of them in a message say it is in this language."""
    stop_words: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()
    question_followers: frozenset[str] = frozenset()
    but: frozenset[str] = frozenset()
    """Words that open a clause of their own after a comma ("..., pero no sé por dónde empezar")."""
    stem_restore: tuple[tuple[str, str], ...] = ()
    """(folded ending, ending as spelt), longest first: accents the stemmer needs, put back before stemming."""

    stem_endings: tuple[tuple[str, str], ...] = ()
    """(folded ending, stem ending), longest first: where the language's snowball stemmer cuts too deep.

    Spanish snowball cuts "comunicación" to "comun" (the stem of "comunidad") while "comunicar" stays
    "comunic": the ending "icacion" stems to "ic", as the verb does.
    """

    inflections: tuple[tuple[str, str], ...] = ()
    """(folded ending, replacement): inflected forms the stemmer leaves whole, tried on a word the catalogue
    does not know. French snowball keeps the verbs' "-ent" ("menacent", "inondent"): read as "menacer"."""

    everyday_concepts: frozenset[str] = frozenset()
    """Concepts of the lexicon (by their English name) whose words count as everyday as the commonest of them.

    Spanish, French and Portuguese name the city's administration with nouns of their own ("alcaldía",
    "prefeitura", "mairie") that ordinary text seldom uses, so their rarity would make them look like the
    field's words. Every action is the city's: "la alcaldía" says no more about which one than "la ciudad".
    """

    ordered_phrases: bool = False
    """Whether a phrase's words say what they say only in their order (``phrase_order: fixed``).

    French, Spanish and Portuguese put the head first and what qualifies it after ("révision du plan", the
    plan's review, is not "plan de révision", a review plan); English compounds turn around ("plan review",
    "review of the plan"), so its phrases are order-free.
    """

    def inflected(self, word: str) -> list[str]:
        """The other spellings of a folded word by :attr:`inflections` (empty when none fits)."""
        return [
            word[: -len(end)] + base
            for end, base in self.inflections
            if word.endswith(end) and len(word) > len(end) + 2
        ]

    def stem_ending(self, word: str) -> str | None:
        """The stem of a folded word by one of :attr:`stem_endings` (``None`` when none fits: snowball's)."""
        for ending, stem in self.stem_endings:
            if word.endswith(ending) and len(word) > len(ending) + 2:
                return word[: -len(ending)] + stem
        return None

    def restore(self, word: str) -> str:
        """A folded word with the accents of its ending put back, when the stemmer needs them ("evacuacao")."""
        for folded, spelt in self.stem_restore:
            if word.endswith(folded) and len(word) > len(folded) + 1:
                return word[: -len(folded)] + spelt
        return word


@functools.cache
def language_words(language: str) -> LanguageWords:
    """The words of a language from its data file; an empty set of words for a language without one."""
    code = primary_language(language)
    if not LANGUAGE_CODE.match(code):
        return LanguageWords(code)
    source = resources.files("catalogue") / "data" / f"language-{code}.yaml"
    if not source.is_file():
        return LanguageWords(code)
    document = yaml.load(source.read_text(encoding="utf-8"), Loader=_WordsLoader) or {}  # noqa: S506 - SafeLoader subclass

    def words(name: str) -> frozenset[str]:
        return frozenset(fold(str(word)) for word in document.get(name) or ())

    restore = sorted(((fold(str(a)), str(b)) for a, b in document.get("stem_restore") or ()), key=lambda p: -len(p[0]))
    return LanguageWords(
        language=code,
        common=words("common"),
        stop_words=words("stop_words"),
        question_words=words("question_words"),
        question_followers=words("question_followers"),
        but=words("but"),
        ordered_phrases=str(document.get("phrase_order") or "free") == "fixed",
        everyday_concepts=frozenset(str(name) for name in document.get("everyday_concepts") or ()),
        stem_restore=tuple(restore),
        inflections=tuple((fold(str(a)), fold(str(b))) for a, b in document.get("inflections") or ()),
        stem_endings=tuple(
            sorted(
                ((fold(str(a)), fold(str(b))) for a, b in document.get("stem_endings") or ()), key=lambda p: -len(p[0])
            )
        ),
    )


@functools.cache
def known_languages() -> tuple[str, ...]:
    """Every language with a words file: those a message can be recognised in."""
    folder = resources.files("catalogue") / "data"
    names = (
        item.name for item in folder.iterdir() if item.name.startswith("language-") and item.name.endswith(".yaml")
    )
    return tuple(sorted(name.removeprefix("language-").removesuffix(".yaml") for name in names))
