"""Writes ``catalogue/data/word-frequency-en.txt``: how common each common English word is in ordinary text.

The search (``catalogue/search.py``) compares a word's use in the catalogue with its use in
ordinary English, to learn which words are everyday words (mayor, plan, start, support) and
which are the field's (flood, resilience, stakeholder). The figures come from the ``wordfreq``
package (Robyn Speer et al.; code Apache-2.0, data CC BY-SA 4.0), which is needed only to
regenerate the file, never at run time::

    python -m venv /tmp/wf && /tmp/wf/bin/pip install wordfreq==3.1.1 snowballstemmer
    /tmp/wf/bin/python tools/english_frequency.py > catalogue/data/word-frequency-en.txt
"""

from __future__ import annotations

import sys

import snowballstemmer
import wordfreq

TOP_WORDS = 20_000
"""Words kept, commonest first (the last ones have a Zipf frequency of about 3.3: a few per million words)."""


def main() -> int:
    out = sys.stdout
    out.write(
        f"# The {TOP_WORDS:,} commonest English words (letters only) with their Zipf frequency:\n"
        "# log10 of occurrences per billion words of ordinary text (6 = once per thousand words).\n"
        f"# Source: wordfreq {wordfreq.__version__ if hasattr(wordfreq, '__version__') else '3.1.1'} "
        "(https://github.com/rspeer/wordfreq), 'en' large list, which blends\n"
        "# Wikipedia, subtitles (OpenSubtitles, SUBTLEX), news, books (Google Books Ngrams), web text\n"
        "# (ParaCrawl, Leeds Internet Corpus), Reddit and Twitter. Licence of this data: CC BY-SA 4.0\n"
        "# (https://creativecommons.org/licenses/by-sa/4.0/), attribution to wordfreq and its sources above.\n"
        "# Each line: word, Zipf frequency, and its snowball English stem (the search sums a stem's words).\n"
        "# Regenerate with tools/english_frequency.py.\n"
    )
    stemmer = snowballstemmer.stemmer("english")
    kept = 0
    for word in wordfreq.top_n_list("en", TOP_WORDS * 2):
        if not (word.isascii() and word.isalpha()):
            continue
        out.write(f"{word} {wordfreq.zipf_frequency(word, 'en'):.2f} {stemmer.stemWord(word)}\n")
        kept += 1
        if kept == TOP_WORDS:
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
