"""Free-text matching benchmark: accuracy on a questions file, off-topic rejection, latency.

Measures ``Catalogue.search`` and, in the same run, a baseline (plain rapidfuzz WRatio on
titles), so figures from this noisy machine compare like with like::

    python benchmarks/matching.py [--questions FILE ...] [--json]

Question sets: the dev set (``../shared/eval/questions-dev.yaml``) and our own held-out set
(``benchmarks/questions/own.yaml``, written without seeing the keywords), or the files given.
Accuracy per set, overall and per kind (``kind:`` of each question) and per half: top-1,
top-3 (hit = an expected code among the first 3) and MRR (``questions: [{q, expect: [codes],
kind}]``). Off-topic: the share of a set's questions without codes, and of built-in chatter,
that comes back with no confident match. Latency: p50/p99 per query over every set's
questions, with the real catalogue and with a synthetic 10,000-action catalogue generated
deterministically from it.
"""

from __future__ import annotations

import argparse
import json
import random
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

DEV_QUESTIONS = REPO_ROOT.parent / "shared" / "eval" / "questions-dev.yaml"
OWN_QUESTIONS = REPO_ROOT / "benchmarks" / "questions" / "own.yaml"
DEFAULT_QUESTIONS = (DEV_QUESTIONS, OWN_QUESTIONS)
UNLABELLED = "unlabelled"
OFF_TOPIC_KIND = "off-topic"
TOP_K = 3
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
    """One question of a questions file: its text, the codes that count as a hit, and its kind."""

    text: str
    expect: frozenset[str]
    kind: str


def load_questions(path: Path) -> list[Question]:
    """The questions of a file (``questions: [{q, expect: [codes], kind}]``; no codes = off-topic)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(str(item["q"]), frozenset(item.get("expect") or ()), str(item.get("kind") or UNLABELLED))
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


def accuracy(search: Callable[[str], list[str]], questions: Sequence[Question]) -> dict[str, float]:
    """Top-1, top-3 and mean reciprocal rank (within the top 3) over the questions."""
    top1 = top3 = reciprocal = 0.0
    for question, expected, _ in questions:
        codes = search(question)[:TOP_K]
        ranks = [rank for rank, code in enumerate(codes, 1) if code in expected]
        top1 += bool(ranks) and ranks[0] == 1
        top3 += bool(ranks)
        reciprocal += 1.0 / ranks[0] if ranks else 0.0
    count = max(len(questions), 1)
    return {"top1": round(top1 / count, 3), "top3": round(top3 / count, 3), "mrr": round(reciprocal / count, 3)}


def latency(
    search: Callable[[str], object], queries: Sequence[str], rounds: int = LATENCY_ROUNDS, *, warm_up: bool = True
) -> dict[str, float]:
    """p50 and p99 of one call, in milliseconds, over several passes of the queries (after a warm-up pass)."""
    for query in queries if warm_up else ():
        search(query)
    samples: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter_ns()
            search(query)
            samples.append((time.perf_counter_ns() - start) / 1e9)
    return latency_ms(samples, digits=4)


def confident(catalogue: Catalogue, text: str) -> bool:
    """Whether the search presents ``text`` as having an answer."""
    return any(match.confident for match in catalogue.search(text, limit=TOP_K))


def question_set(catalogue: Catalogue, baseline: Baseline, path: Path) -> dict[str, object]:
    """Accuracy of one questions file: overall, per kind and per half, and off-topic rejection.

    The halves (questions at even and odd positions within each kind) let one half serve for
    tuning and the other as a check that the tuning did not overfit.
    """
    questions = load_questions(path)
    on_topic = [q for q in questions if q.expect]
    off_topic = [q for q in questions if not q.expect]
    ours = lambda text: [m.action.code for m in catalogue.search(text, limit=TOP_K)]  # noqa: E731
    kinds = sorted({q.kind for q in on_topic})
    position: dict[str, int] = {}
    halves: dict[str, list[Question]] = {"a": [], "b": []}
    for question in on_topic:
        index = position[question.kind] = position.get(question.kind, -1) + 1
        halves["ab"[index % 2]].append(question)
    result: dict[str, object] = {
        "file": str(path),
        "questions": len(questions),
        "on_topic": len(on_topic),
        "search": accuracy(ours, on_topic),
        "baseline_wratio_titles": accuracy(baseline.search, on_topic),
        "on_topic_confident": round(sum(confident(catalogue, q.text) for q in on_topic) / max(len(on_topic), 1), 3),
        "per_kind": {
            kind: {"n": len(group), **accuracy(ours, group)}
            for kind in kinds
            for group in [[q for q in on_topic if q.kind == kind]]
        },
        "halves": {name: {"n": len(group), **accuracy(ours, group)} for name, group in halves.items() if group},
    }
    if off_topic:
        rejected = [not confident(catalogue, q.text) for q in off_topic]
        result["off_topic"] = {"n": len(off_topic), "rejected": round(sum(rejected) / len(off_topic), 3)}
        result["off_topic"]["halves"] = {
            name: round(sum(rejected[i::2]) / len(rejected[i::2]), 3) for i, name in enumerate("ab") if rejected[i::2]
        }
    return result


def run(questions_paths: Sequence[Path], *, quick: bool = False) -> dict[str, object]:
    """Every figure of the benchmark, as one JSON-ready mapping (``quick``: the 10k baseline on a few queries)."""
    sets = [path for path in questions_paths if path.is_file()]
    queries = [q.text for path in sets for q in load_questions(path)]
    real = Catalogue.load()
    started = time.perf_counter()
    synthetic = synthetic_catalogue(real)
    generated = time.perf_counter()
    synthetic.search("warm up the index")
    built = time.perf_counter()

    baseline_real = Baseline(real)
    baseline_synthetic = Baseline(synthetic)
    off_topic_rejected = sum(not confident(real, text) for text in OFF_TOPIC)

    result: dict[str, object] = {
        "questions": len(queries),
        "catalogue_actions": len(real.actions),
        "synthetic_actions": len(synthetic.actions),
        "synthetic_index_build_s": round(built - generated, 3),
        "synthetic_generate_s": round(generated - started, 3),
        "sets": {path.stem: question_set(real, baseline_real, path) for path in sets},
        "built_in_off_topic_rejected": round(off_topic_rejected / len(OFF_TOPIC), 3),
        "latency": {
            "search_96": latency(lambda text: real.search(text, limit=TOP_K), queries),
            "search_10k": latency(lambda text: synthetic.search(text, limit=TOP_K), queries),
            "baseline_96": latency(baseline_real.search, queries),
            "baseline_10k": (
                latency(baseline_synthetic.search, queries[:QUICK_BASELINE_10K_QUERIES], rounds=1, warm_up=False)
                if quick
                else latency(baseline_synthetic.search, queries, rounds=BASELINE_10K_ROUNDS)
            ),
        },
    }
    timing = result["latency"]
    for size in ("96", "10k"):
        ours, base = timing[f"search_{size}"], timing[f"baseline_{size}"]
        for key in ("p50_ms", "p99_ms"):
            ours[f"{key[:3]}_vs_baseline"] = round(ours[key] / max(base[key], 1e-9), 3)
    return result


def print_table(result: dict[str, object]) -> None:
    """The figures as a readable table."""
    print(
        f"catalogue: {result['catalogue_actions']} actions; synthetic: {result['synthetic_actions']} actions "
        f"(index built in {result['synthetic_index_build_s']} s)"
    )
    for name, figures in result["sets"].items():
        ours, base = figures["search"], figures["baseline_wratio_titles"]
        print()
        print(f"{name}: {figures['questions']} questions from {figures['file']}")
        print(f"  {'':26}{'n':>5}{'top1':>8}{'top3':>8}{'mrr':>8}")
        print(
            f"  {'all on-topic':26}{figures['on_topic']:>5}{ours['top1']:>8.3f}{ours['top3']:>8.3f}{ours['mrr']:>8.3f}"
        )
        print(f"  {'  baseline WRatio titles':26}{'':>5}{base['top1']:>8.3f}{base['top3']:>8.3f}{base['mrr']:>8.3f}")
        for label, group in [*figures["per_kind"].items(), *((f"half {h}", g) for h, g in figures["halves"].items())]:
            if len(figures["per_kind"]) > 1 or label.startswith("half"):
                print(f"  {label:26}{group['n']:>5}{group['top1']:>8.3f}{group['top3']:>8.3f}{group['mrr']:>8.3f}")
        print(f"  {'on-topic confident':26}{'':>5}{figures['on_topic_confident']:>8.3f}")
        if "off_topic" in figures:
            off = figures["off_topic"]
            halves = ", ".join(f"half {h} {v:.3f}" for h, v in off["halves"].items())
            print(f"  {'off-topic rejected':26}{off['n']:>5}{off['rejected']:>8.3f}   ({halves})")
    print()
    print(f"built-in chatter rejected: {result['built_in_off_topic_rejected']:.3f} of {len(OFF_TOPIC)}")
    timing = result["latency"]
    print(f"{'latency (all questions)':28}{'search':>10}{'baseline':>10}")
    for size, label in (("96", "96 actions"), ("10k", "10k actions")):
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
    args = parser.parse_args(argv)
    # The dev set lives beside the checkout, not in it: a clone elsewhere measures on our own set alone.
    result = run(args.questions or [path for path in DEFAULT_QUESTIONS if path.exists()], quick=args.quick)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
