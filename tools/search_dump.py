"""Every search result of every benchmark question, as JSON: to prove a change to the search changes nothing.

A speed-up must leave every answer as it was: the same matches in the same order, with the same scores,
confidence, reasons (``why``), terms and hazard. This runs the search of a checkout on every question of
the question sets (``benchmarks/questions/own*.yaml`` and ``../shared/eval/questions-dev.yaml``) in its
own language and in English (the questions of this checkout, whichever checkout's search answers them),
and on the built-in chatter in every language, asking for 3 matches (what the benchmark asks) and for 8
(what the bot asks), plus, with ``--big``, every English question against the synthetic 10,000-action
catalogue. Run it on two checkouts and compare the files::

    git archive main | tar -x -C /tmp/main
    python tools/search_dump.py /tmp/before.json --root /tmp/main --big
    python tools/search_dump.py /tmp/after.json --big
    cmp /tmp/before.json /tmp/after.json && echo identical

Scores are written exactly (JSON keeps a float's every digit), so a difference in rounding shows too.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LIMITS = (3, 8)
"""The benchmark asks for 3 matches, the bot for 8: the candidate pool, and so the answers, depend on it."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the JSON file to write")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1], help="the checkout")
    parser.add_argument("--big", action="store_true", help="also the English questions at 10,000 actions")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    sys.path.insert(0, str(root))  # the checkout's own catalogue package, not the one installed
    from benchmarks import matching
    from catalogue import Catalogue

    def results(catalogue: Catalogue, text: str, limit: int) -> list[list[object]]:
        return [
            [m.action.code, m.score, m.confident, list(m.why), list(m.terms), m.hazard]
            for m in catalogue.search(text, limit=limit)
        ]

    real = Catalogue.load()
    here = Path(__file__).resolve().parents[1]  # the questions of this checkout, whichever search answers them
    files = [
        here.parent / "shared" / "eval" / "questions-dev.yaml",
        *sorted((here / "benchmarks" / "questions").glob("own*.yaml")),
    ]
    out: dict[str, list[list[object]]] = {}
    english: list[str] = []
    for path in (path for path in files if path.is_file()):
        language = matching.set_language(path)
        questions = [question.text for question in matching.load_questions(path)]
        english += questions if language == "en" else []
        for code in sorted({language, "en"}):
            catalogue = real.in_language(code)
            for limit in LIMITS:
                out[f"{path.name}|{code}|{limit}"] = [
                    [text, results(catalogue, text, limit), catalogue.question_of(text)] for text in questions
                ]
    for code in sorted(real.languages):
        catalogue = real.in_language(code)
        for limit in LIMITS:
            out[f"chatter|{code}|{limit}"] = [
                [text[:80], results(catalogue, text, limit)] for text in matching.OFF_TOPIC
            ]
    if args.big:
        synthetic = matching.synthetic_catalogue(real)
        out["10k|3"] = [[text, results(synthetic, text, 3)] for text in english]
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{sum(len(group) for group in out.values())} searches in {len(out)} groups -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
