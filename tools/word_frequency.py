"""Writes ``catalogue/data/word-frequency-<language>.txt``: how common each common word is in ordinary text.

The search (``catalogue/search.py``) compares a word's use in the catalogue with its use in
ordinary text of the catalogue's language, to learn which words are everyday words (mayor, plan,
start, support; alcalde, plan, empezar) and which are the field's (flood, resilience; inundación,
resiliencia). The figures come from the ``wordfreq`` package (Robyn Speer et al.; code Apache-2.0,
data CC BY-SA 4.0), which is needed only to regenerate the files, never at run time::

    python -m venv /tmp/wf && /tmp/wf/bin/pip install wordfreq==3.1.1 snowballstemmer
    for lang in en es fr pt; do
        /tmp/wf/bin/python tools/word_frequency.py $lang > catalogue/data/word-frequency-$lang.txt
    done

Each word's stem is the search's: accents folded first, the accents the language's stemmer needs put
back (``catalogue/data/language-<code>.yaml``), then the snowball stem, folded, or the language's own
``stem_endings`` where snowball cuts too deep (English words are plain ASCII, so the English file is as
before). After a change of those keys, recompute the stems without wordfreq::

    python tools/word_frequency.py pt --restem < catalogue/data/word-frequency-pt.txt > /tmp/pt.txt
    mv /tmp/pt.txt catalogue/data/word-frequency-pt.txt
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import snowballstemmer
import yaml

TOP_WORDS = 20_000
"""Words kept, commonest first (the last ones have a Zipf frequency of about 3.3: a few per million words)."""
STEMMERS = {"en": "english", "es": "spanish", "fr": "french", "pt": "portuguese", "de": "german", "it": "italian",
            "nl": "dutch", "ru": "russian", "ar": "arabic"}  # fmt: skip
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "pt": "Portuguese", "de": "German", "it": "Italian",
         "nl": "Dutch", "ru": "Russian", "ar": "Arabic"}  # fmt: skip
DATA = Path(__file__).resolve().parents[1] / "catalogue" / "data"


def fold(text: str) -> str:
    """As the search folds (catalogue.language.fold)."""
    if text.isascii():
        return text.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def restorer(language: str) -> list[tuple[str, str]]:
    """The language's endings to put back before stemming, longest first (as catalogue.language reads them)."""
    path = DATA / f"language-{language}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    pairs = [(fold(str(a)), str(b)) for a, b in (document or {}).get("stem_restore") or ()]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def stem_endings(language: str) -> list[tuple[str, str]]:
    """The language's endings its stemmer cuts too deep, longest first (as catalogue.language reads them)."""
    path = DATA / f"language-{language}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    pairs = [(fold(str(a)), fold(str(b))) for a, b in (document or {}).get("stem_endings") or ()]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def stemmer_of(language: str) -> Callable[[str], str]:
    """The search's stem of a word of the language (see the module docstring)."""
    stemmer = snowballstemmer.stemmer(STEMMERS[language])
    restore = restorer(language)
    endings = stem_endings(language)

    def stem(word: str) -> str:
        if language == "en":
            return stemmer.stemWord(word)
        folded = fold(word)
        own = next((folded[: -len(a)] + b for a, b in endings if folded.endswith(a) and len(folded) > len(a) + 2), None)
        if own is not None:
            return own
        spelt = next(
            (folded[: -len(a)] + b for a, b in restore if folded.endswith(a) and len(folded) > len(a) + 1), folded
        )
        return fold(stemmer.stemWord(spelt))

    return stem


def restem(language: str) -> int:
    """``--restem``: the file on stdin with its stems recomputed (after a change of the language's stemming keys)."""
    stem = stemmer_of(language)
    for line in sys.stdin:
        if line.startswith("#") or not line.strip():
            sys.stdout.write(line)
            continue
        word, zipf, _ = line.split()
        sys.stdout.write(f"{word} {zipf} {stem(word)}\n")
    return 0


def main(argv: list[str]) -> int:
    language = argv[1] if len(argv) > 1 else "en"
    if "--restem" in argv[2:]:
        return restem(language)
    import wordfreq  # only to generate the figures: restemming needs none

    name = NAMES.get(language, language)
    stem = stemmer_of(language)
    out = sys.stdout
    out.write(
        f"# The {TOP_WORDS:,} commonest {name} words (letters only) with their Zipf frequency:\n"
        "# log10 of occurrences per billion words of ordinary text (6 = once per thousand words).\n"
        f"# Source: wordfreq {getattr(wordfreq, '__version__', '3.1.1')} "
        f"(https://github.com/rspeer/wordfreq), '{language}' large list, which blends\n"
        "# Wikipedia, subtitles (OpenSubtitles, SUBTLEX), news, books (Google Books Ngrams), web text\n"
        "# (ParaCrawl, Leeds Internet Corpus), Reddit and Twitter. Licence of this data: CC BY-SA 4.0\n"
        "# (https://creativecommons.org/licenses/by-sa/4.0/), attribution to wordfreq and its sources above.\n"
        f"# Each line: word, Zipf frequency, and its snowball {name} stem (the search sums a stem's words).\n"
        f"# Regenerate with tools/word_frequency.py {language}.\n"
    )
    kept = 0
    for word in wordfreq.top_n_list(language, TOP_WORDS * 2):
        if not word.isalpha() or (language == "en" and not word.isascii()):
            continue
        out.write(f"{word} {wordfreq.zipf_frequency(word, language):.2f} {stem(word)}\n")
        kept += 1
        if kept == TOP_WORDS:
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
