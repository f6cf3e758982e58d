"""Free-text matching benchmark: accuracy on a questions file, off-topic rejection, latency.

Measures ``Catalogue.search`` and, in the same run, a baseline (plain rapidfuzz WRatio on
titles), so figures from this noisy machine compare like with like::

    python benchmarks/matching.py [--questions FILE ...] [--json]

Question sets: the dev set (``../shared/eval/questions-dev.yaml``) and our own held-out set
(``benchmarks/questions/own.yaml``, written without seeing the keywords), plus one per language
citybot speaks (``own-es.yaml``, ``own-fr.yaml``, ``own-pt.yaml``: written by someone who saw only
that language's titles, matched against the catalogue in that language; a set whose file or whose
catalogue translation is missing is left out), and the hazard-only stress sets (``hazard-<code>.yaml``),
or the files given. A set is in the language its ``language:`` key or its file name
(``own-<code>.yaml``) says, English otherwise; the figures per
language (top-1, top-3, off-topic rejected, confidently wrong) are under ``languages``.
Accuracy per set, overall and per kind (``kind:`` of each question) and per half: top-1,
top-3 (hit = an expected code among the first 3) and MRR (``questions: [{q, expect: [codes],
kind}]``). Off-topic: the share of a set's questions without codes, and of built-in chatter,
that comes back with no confident match; and ordinary office requests
(``catalogue/data/everyday-requests-en.txt``), each author's measured by an index that learned
from the other authors' requests only. Latency: p50/p99 per query over every set's questions,
with the real catalogue and with a synthetic 10,000-action catalogue generated deterministically
from it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rapidfuzz import process, utils  # noqa: E402

from benchmarks.report import latency_ms  # noqa: E402
from catalogue import Action, Catalogue  # noqa: E402
from catalogue.loader import read_catalogue  # noqa: E402
from catalogue.search import SearchIndex, everyday_requests  # noqa: E402

DEV_QUESTIONS = REPO_ROOT.parent / "shared" / "eval" / "questions-dev.yaml"
OWN_QUESTIONS = REPO_ROOT / "benchmarks" / "questions" / "own.yaml"
LANGUAGE_QUESTIONS = tuple(REPO_ROOT / "benchmarks" / "questions" / f"own-{code}.yaml" for code in ("es", "fr", "pt"))
"""Our own question set per language, each written from that language's titles only."""
HAZARD_QUESTIONS = tuple(
    REPO_ROOT / "benchmarks" / "questions" / f"hazard-{code}.yaml" for code in ("en", "es", "fr", "pt")
)
"""Hazard questions only, per language, written apart to stress the weakest kind (not in the per-language table,
whose own sets keep the mix of kinds they were written with)."""
DEFAULT_QUESTIONS = (DEV_QUESTIONS, OWN_QUESTIONS, *LANGUAGE_QUESTIONS, *HAZARD_QUESTIONS)
BEFORE = REPO_ROOT / "benchmarks" / "results" / "matching-before.json"
"""The figures of the search before issue 19 (see ``docs/search.md``), shown beside the current ones."""
UNLABELLED = "unlabelled"
OFF_TOPIC_KIND = "off-topic"
TOP_K = 3
ANSWER_CANDIDATES = 8
"""The bot asks the search for this many matches and answers with the confident ones among them
(``conversations.flows.ask.CANDIDATES``): the first confident one is its first answer."""
SYNTHETIC_ACTIONS = 10_000
SYNTHETIC_SEED = 20240601
LATENCY_ROUNDS = 10  # passes over the question set per catalogue
BASELINE_10K_ROUNDS = 2  # the baseline is slow at 10k actions: fewer passes keep the run under a minute
QUICK_BASELINE_10K_QUERIES = 10
"""``--quick`` (``benchmarks/run.py --quick``): the slow baseline at 10k actions times only this many queries, once."""

#: Chatter a bot receives that is not about the catalogue: none of it may be confident.
OFF_TOPIC = [
    "",
    "   ",
    "hello",
    "hi there!",
    "thanks a lot",
    "what time is lunch?",
    "tell me a joke",
    "asdfgh",
    "qwerty uiop zxcvb",
    "🙂🙂🙂",
    "👍",
    "?!?!",
    "12345",
    "what's the weather like tomorrow",
    "who won the football match yesterday",
    "can you recommend a good pizza place",
    "my cat is sleeping on the keyboard",
    "how old are you",
    "lorem ipsum dolor sit amet, consectetur adipiscing elit",
    "ok",
    "test test test",
    "where is the coffee machine",
    "x" * 10_000,
    " ".join(f"zq{i}xv" for i in range(2_000)),
]


class Question(NamedTuple):
    """One question of a questions file: its text, the codes that count as a hit, its kind and its part."""

    text: str
    expect: frozenset[str]
    kind: str
    part: str = "1"


def load_questions(path: Path) -> list[Question]:
    """The questions of a file (``questions: [{q, expect: [codes], kind, part}]``; no codes = off-topic).

    ``part`` tells apart question sets written at different times by different people (1 when absent).
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(
            str(item["q"]),
            frozenset(item.get("expect") or ()),
            str(item.get("kind") or UNLABELLED),
            str(item.get("part") or 1),
        )
        for item in document["questions"]
    ]


def synthetic_catalogue(base: Catalogue, size: int = SYNTHETIC_ACTIONS, seed: int = SYNTHETIC_SEED) -> Catalogue:
    """A deterministic catalogue of ``size`` actions recombined from the real one's words.

    Titles mix words of several real titles, keywords and example questions are drawn from other
    actions, and codes stay valid (area + stage + number, stages in order within each area).
    """
    rng = random.Random(seed)
    data = read_catalogue(base.path)
    words = [word for action in base.actions for word in action.title.split()]
    keywords = [keyword for action in base.actions for keyword in action.keywords] or words
    examples = [example for action in base.actions for example in action.examples]
    per_area_stage = size // (len(base.areas) * len(base.stages)) + 1
    actions: list[Action] = []
    for area in base.areas:
        for stage in base.stages:
            for number in range(1, per_area_stage + 1):
                if len(actions) >= size:
                    break
                template = rng.choice(base.actions)
                title = template.title.split()
                for _ in range(rng.randint(1, 4)):
                    title[rng.randrange(len(title))] = rng.choice(words)
                title += rng.sample(words, rng.randint(0, 3))
                actions.append(
                    Action(
                        code=f"{area.code}{stage.code}{number}",
                        domain=area.domain,
                        area=area.code,
                        stage=stage.code,
                        title=" ".join(title),
                        keywords=tuple(rng.sample(keywords, min(len(keywords), rng.randint(3, 10)))),
                        examples=tuple(rng.sample(examples, min(len(examples), rng.randint(2, 4)))),
                    )
                )
    return Catalogue(replace(data, actions=tuple(actions)))


class Baseline:
    """Plain rapidfuzz: default WRatio on the titles, with the default processor."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.actions = catalogue.actions
        self.titles = [action.title for action in catalogue.actions]

    def search(self, text: str, limit: int = TOP_K) -> list[str]:
        hits = process.extract(text, self.titles, processor=utils.default_process, limit=limit)
        return [self.actions[index].code for _, _, index in hits]


Searcher = Callable[[str], list[tuple[str, bool]]]
"""A search under test: text -> its top codes, each with whether it is presented as confident."""


def accuracy(search: Searcher, questions: Sequence[Question]) -> dict[str, float]:
    """Top-1, top-3, mean reciprocal rank (within the top 3) and confidently wrong over on-topic questions.

    *Confidently wrong*: the bot's first answer, the first confident result (the bot answers with
    the confident ones of its candidates, see :data:`ANSWER_CANDIDATES`), is not one of the
    expected codes.
    """
    top1 = top3 = reciprocal = wrong = 0.0
    for question in questions:
        candidates = search(question.text)
        results = candidates[:TOP_K]
        ranks = [rank for rank, (code, _) in enumerate(results, 1) if code in question.expect]
        top1 += bool(ranks) and ranks[0] == 1
        top3 += bool(ranks)
        reciprocal += 1.0 / ranks[0] if ranks else 0.0
        answered = [code for code, sure in candidates if sure]
        wrong += bool(answered) and answered[0] not in question.expect
    count = max(len(questions), 1)
    return {
        "top1": round(top1 / count, 3),
        "top3": round(top3 / count, 3),
        "mrr": round(reciprocal / count, 3),
        "confidently_wrong": round(wrong / count, 3),
    }


def rejection(search: Searcher, questions: Sequence[Question]) -> float:
    """The share of off-topic questions that get no confident match."""
    rejected = sum(not any(sure for _, sure in search(question.text)) for question in questions)
    return round(rejected / max(len(questions), 1), 3)


def halves(questions: Sequence[Question]) -> dict[str, list[Question]]:
    """Every other question of each kind (within each part): half a for tuning, half b to check overfitting."""
    position: dict[tuple[str, str], int] = {}
    split: dict[str, list[Question]] = {"a": [], "b": []}
    for question in questions:
        key = (question.part, question.kind)
        index = position[key] = position.get(key, -1) + 1
        split["ab"[index % 2]].append(question)
    return split


def figures(search: Searcher, questions: Sequence[Question]) -> dict[str, object]:
    """Every accuracy figure of a group of questions: on-topic, off-topic rejected, per kind."""
    on_topic = [q for q in questions if q.expect]
    off_topic = [q for q in questions if not q.expect]
    result: dict[str, object] = {"n": len(questions), "on_topic": len(on_topic)}
    if on_topic:
        result.update(accuracy(search, on_topic))
    if off_topic:
        result["off_topic"] = len(off_topic)
        result["off_topic_rejected"] = rejection(search, off_topic)
    kinds: dict[str, object] = {}
    for kind in sorted({q.kind for q in questions}):
        group = [q for q in questions if q.kind == kind]
        on = [q for q in group if q.expect]
        off = [q for q in group if not q.expect]
        kinds[kind] = {
            "n": len(group),
            **(accuracy(search, on) if on else {}),
            **({"off_topic_rejected": rejection(search, off)} if off else {}),
        }
    result["per_kind"] = kinds
    return result


def latency(
    search: Callable[[str], object],
    queries: Sequence[str],
    rounds: int = LATENCY_ROUNDS,
    *,
    warm_up: bool = True,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> dict[str, float]:
    """p50 and p99 of one call, in milliseconds, over several passes of the queries (after a warm-up pass).

    ``clock``: wall time by default; ``time.thread_time_ns`` counts only this thread's CPU time, so
    the other processes of a shared machine do not end up in the figures.
    """
    for query in queries if warm_up else ():
        search(query)
    samples: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start = clock()
            search(query)
            samples.append((clock() - start) / 1e9)
    return latency_ms(samples, digits=4)


def confident(catalogue: Catalogue, text: str) -> bool:
    """Whether the search presents ``text`` as having an answer."""
    return any(match.confident for match in catalogue.search(text, limit=ANSWER_CANDIDATES))


def set_language(path: Path) -> str:
    """The language of a questions file: its ``language:`` key, else its name's (``own-<code>``), else English."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    declared = document.get("language") if isinstance(document, dict) else None
    if declared:
        return str(declared)
    named = re.fullmatch(r"own-([a-z]{2,3})", path.stem)
    return named[1] if named else "en"


def question_set(catalogue: Catalogue, baseline: Baseline, path: Path) -> dict[str, object]:
    """Accuracy of one questions file: overall, per kind, per part and per half, and off-topic rejection.

    The halves (questions at even and odd positions within each kind of each part) let one half
    serve for tuning and the other as a check that the tuning did not overfit.
    """
    questions = load_questions(path)
    on_topic = [q for q in questions if q.expect]
    ours: Searcher = lambda text: [  # noqa: E731
        (m.action.code, m.confident) for m in catalogue.search(text, limit=ANSWER_CANDIDATES)
    ]
    theirs: Searcher = lambda text: [(code, False) for code in baseline.search(text)]  # noqa: E731
    whole = figures(ours, questions)
    result: dict[str, object] = {
        "file": str(path),
        "questions": len(questions),
        "on_topic": len(on_topic),
        "search": {key: whole[key] for key in ("top1", "top3", "mrr", "confidently_wrong") if key in whole},
        "baseline_wratio_titles": accuracy(theirs, on_topic),
        "on_topic_confident": round(sum(confident(catalogue, q.text) for q in on_topic) / max(len(on_topic), 1), 3),
        "per_kind": whole["per_kind"],
        "halves": {name: figures(ours, group) for name, group in halves(questions).items() if group},
    }
    if "off_topic" in whole:
        result["off_topic"] = {
            "n": whole["off_topic"],
            "rejected": whole["off_topic_rejected"],
            "halves": {
                name: half["off_topic_rejected"] for name, half in result["halves"].items() if "off_topic" in half
            },
        }
    parts = sorted({q.part for q in questions})
    if len(parts) > 1:
        result["parts"] = {
            part: {
                **figures(ours, group),
                "halves": {name: figures(ours, half) for name, half in halves(group).items() if half},
            }
            for part in parts
            for group in [[q for q in questions if q.part == part]]
        }
    return result


def ordinary_requests(real: Catalogue) -> dict[str, object]:
    """Ordinary office requests rejected, each author's learned from the other authors' requests only.

    The search tells a question of the field from an office request by comparing it with the requests it ships
    (``catalogue/data/everyday-requests-<language>.txt``, see ``REQUEST_ODDS``); measured on those very requests it
    would flatter itself. So each author's requests are searched by an index that learned from the others', beside
    an index that learned from none (the search without the check). Empty with fewer than two authors.
    """
    authors = everyday_requests(real.language)
    if len(authors) < 2:
        return {}
    data = read_catalogue(real.path)
    without = SearchIndex(data, requests=())
    rejected = rejected_without = 0
    for held_out, requests in enumerate(authors):
        others = SearchIndex(data, requests=[r for i, rs in enumerate(authors) if i != held_out for r in rs])
        for text in requests:
            rejected += not any(match.confident for match in others.search(text, limit=ANSWER_CANDIDATES))
            rejected_without += not any(match.confident for match in without.search(text, limit=ANSWER_CANDIDATES))
    total = sum(map(len, authors))
    return {
        "n": total,
        "authors": len(authors),
        "rejected": round(rejected / total, 3),
        "rejected_without_requests": round(rejected_without / total, 3),
    }


def run(
    questions_paths: Sequence[Path], *, quick: bool = False, timed: bool = True, before: Path | None = None
) -> dict[str, object]:
    """Every figure of the benchmark, as one JSON-ready mapping.

    ``quick``: the 10k baseline on a few queries; ``timed=False``: accuracy only, no latency;
    ``before``: a saved report of an earlier version of the search, included as ``before``.
    """
    real = Catalogue.load()
    found = [path for path in questions_paths if path.is_file()]
    languages = {path: set_language(path) for path in found}
    missing = sorted({code for code in languages.values() if code not in real.languages})
    sets = [path for path in found if languages[path] in real.languages]  # a set needs its catalogue translation
    queries = [q.text for path in sets if languages[path] == real.language for q in load_questions(path)]
    off_topic_rejected = sum(not confident(real, text) for text in OFF_TOPIC)
    figures_of = {}
    for path in sets:
        catalogue = real.in_language(languages[path])
        figures_of[path.stem] = {"language": catalogue.language, **question_set(catalogue, Baseline(catalogue), path)}
    result: dict[str, object] = {
        "questions": len(queries),
        "catalogue_actions": len(real.actions),
        "sets": figures_of,
        "languages": per_language(figures_of),
        "built_in_off_topic_rejected": round(off_topic_rejected / len(OFF_TOPIC), 3),
        "ordinary_requests": ordinary_requests(real),
        **({"languages_without_catalogue": missing} if missing else {}),
    }
    if timed:
        result.update(timings(real, queries, quick=quick))
    if before is not None and before.is_file():
        saved = json.loads(before.read_text(encoding="utf-8"))
        result["before"] = {
            "file": str(before),
            "code": saved.get("code", ""),
            "sets": {name: figures for name, figures in saved.get("sets", {}).items() if name in result["sets"]},
            **({"latency": saved["latency"]} if "latency" in saved else {}),
        }
    return result


def per_language(sets: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """Per language, its own question set's headline figures (``own-<code>``; ``own`` for English)."""
    summary: dict[str, dict[str, object]] = {}
    for name, figures in sets.items():
        code = str(figures["language"])
        if name not in (f"own-{code}", "own" if code == "en" else ""):
            continue
        search = figures["search"]
        assert isinstance(search, dict)
        off_topic = figures.get("off_topic")
        summary[code] = {
            "set": name,
            "on_topic": figures["on_topic"],
            **{key: search[key] for key in ("top1", "top3", "confidently_wrong") if key in search},
            **(
                {"off_topic": off_topic["n"], "off_topic_rejected": off_topic["rejected"]}
                if isinstance(off_topic, dict)
                else {}
            ),
        }
    return summary


def timings(real: Catalogue, queries: Sequence[str], *, quick: bool) -> dict[str, object]:
    """Latency of the search and of the baseline, at 96 and at 10,000 actions, measured in this run."""
    started = time.perf_counter()
    synthetic = synthetic_catalogue(real)
    generated = time.perf_counter()
    synthetic.search("warm up the index")
    built = time.perf_counter()
    baseline_real = Baseline(real)
    baseline_synthetic = Baseline(synthetic)
    result: dict[str, object] = {
        "synthetic_actions": len(synthetic.actions),
        "synthetic_index_build_s": round(built - generated, 3),
        "synthetic_generate_s": round(generated - started, 3),
        "latency": {
            "search_96": latency(lambda text: real.search(text, limit=TOP_K), queries),
            "search_10k": latency(lambda text: synthetic.search(text, limit=TOP_K), queries),
            "baseline_96": latency(baseline_real.search, queries),
            "search_96_cpu": latency(lambda text: real.search(text, limit=TOP_K), queries, clock=time.thread_time_ns),
            "baseline_96_cpu": latency(baseline_real.search, queries, clock=time.thread_time_ns),
            "baseline_10k": (
                latency(baseline_synthetic.search, queries[:QUICK_BASELINE_10K_QUERIES], rounds=1, warm_up=False)
                if quick
                else latency(baseline_synthetic.search, queries, rounds=BASELINE_10K_ROUNDS)
            ),
        },
    }
    timing = result["latency"]
    for size in ("96", "10k", "96_cpu"):
        ours, base = timing[f"search_{size}"], timing[f"baseline_{size}"]
        for key in ("p50_ms", "p99_ms"):
            ours[f"{key[:3]}_vs_baseline"] = round(ours[key] / max(base[key], 1e-9), 3)
    return result


def _cells(group: dict[str, object]) -> str:
    """One row's figures: top-1, top-3, confidently wrong, off-topic rejected (blank where none)."""
    keys = ("top1", "top3", "confidently_wrong", "off_topic_rejected")
    return "".join(f"{group[key]:>7.3f}" if key in group else f"{'':>7}" for key in keys)


def _rows(label: str, group: dict[str, object], before: dict[str, object] | None) -> list[str]:
    """A group's row and its rows per kind, each followed by the same figures before (when known)."""
    rows = [(label, group, before)]
    for kind, figures in group["per_kind"].items():
        rows.append((f"  {kind}", figures, (before or {}).get("per_kind", {}).get(kind)))
    return [
        f"  {name:24}{figures['n']:>5}{_cells(figures)}" + (f"   before{_cells(earlier)}" if earlier else "")
        for name, figures, earlier in rows
    ]


def print_table(result: dict[str, object]) -> None:
    """The figures as a readable table (with the saved figures of the earlier search beside them)."""
    print(f"catalogue: {result['catalogue_actions']} actions")
    earlier_sets = result.get("before", {}).get("sets", {})
    head = f"  {'':24}{'n':>5}{'top1':>7}{'top3':>7}{'wrong':>7}{'reject':>7}"
    for name, figures in result["sets"].items():
        earlier = earlier_sets.get(name, {})
        print()
        print(f"{name}: {figures['questions']} questions from {figures['file']}")
        print(head + (f"   before{'top1':>7}{'top3':>7}{'wrong':>7}{'reject':>7}" if earlier else ""))
        whole = {
            "n": figures["questions"],
            **figures["search"],
            "per_kind": figures["per_kind"],
            **({"off_topic_rejected": figures["off_topic"]["rejected"]} if "off_topic" in figures else {}),
        }
        earlier_whole = (
            {
                **earlier["search"],
                "per_kind": earlier["per_kind"],
                **({"off_topic_rejected": earlier["off_topic"]["rejected"]} if "off_topic" in earlier else {}),
            }
            if earlier
            else None
        )
        base = figures["baseline_wratio_titles"]
        for line in _rows("all", whole, earlier_whole):
            print(line)
        print(f"  {'baseline WRatio titles':24}{figures['on_topic']:>5}{base['top1']:>7.3f}{base['top3']:>7.3f}")
        for half, group in figures["halves"].items():
            print(f"  {'half ' + half:24}{group['n']:>5}{_cells(group)}")
        for part, group in figures.get("parts", {}).items():
            print()
            for line in _rows(f"part {part}", group, earlier.get("parts", {}).get(part)):
                print(line)
            for half, half_group in group["halves"].items():
                earlier_half = earlier.get("parts", {}).get(part, {}).get("halves", {}).get(half)
                print(
                    f"  {'part ' + part + ' half ' + half:24}{half_group['n']:>5}{_cells(half_group)}"
                    + (f"   before{_cells(earlier_half)}" if earlier_half else "")
                )
        print(f"  {'on-topic confident':24}{'':>5}{figures['on_topic_confident']:>7.3f}")
    print()
    print(f"{'per language (own sets)':28}{'n':>5}{'top1':>7}{'top3':>7}{'wrong':>7}{'reject':>7}")
    for code, group in result["languages"].items():
        print(f"  {code + ' (' + str(group['set']) + ')':26}{group['on_topic']:>5}{_cells(group)}")
    for code in result.get("languages_without_catalogue", []):
        print(f"  {code}: a question set but no catalogue translation, left out")
    print()
    print(f"built-in chatter rejected: {result['built_in_off_topic_rejected']:.3f} of {len(OFF_TOPIC)}")
    requests = result["ordinary_requests"]
    if requests:
        print(
            f"ordinary office requests rejected: {requests['rejected']:.3f} of {requests['n']}, each author's learned "
            f"from the other {requests['authors'] - 1} (without the check: {requests['rejected_without_requests']:.3f})"
        )
    if "latency" not in result:
        return
    timing = result["latency"]
    print(f"{'latency (all questions)':28}{'search':>10}{'baseline':>10}")
    for size, label in (("96", "96 actions"), ("96_cpu", "96 actions, CPU time"), ("10k", "10k actions")):
        ours, base = timing[f"search_{size}"], timing[f"baseline_{size}"]
        for key in ("p50_ms", "p99_ms"):
            ratio = ours[f"{key[:3]}_vs_baseline"]
            print(f"{label + ' ' + key:28}{ours[key]:>10.4f}{base[key]:>10.4f}   x{ratio} baseline")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions",
        type=Path,
        action="append",
        help="questions YAML file (repeatable; default: the dev set and benchmarks/questions/own.yaml)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help=f"time the baseline at 10k actions on {QUICK_BASELINE_10K_QUERIES} queries"
    )
    parser.add_argument("--no-latency", action="store_true", help="accuracy only: time nothing")
    parser.add_argument(
        "--before",
        type=Path,
        default=BEFORE,
        help="a saved report of an earlier search, shown beside this one's figures (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    # The dev set lives beside the checkout, not in it: a clone elsewhere measures on our own set alone.
    result = run(
        args.questions or [path for path in DEFAULT_QUESTIONS if path.exists()],
        quick=args.quick,
        timed=not args.no_latency,
        before=args.before,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
