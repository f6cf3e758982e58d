"""Free-text matching benchmark: accuracy on a questions file, off-topic rejection, latency.

Measures ``Catalogue.search`` and, in the same run, a baseline (plain rapidfuzz WRatio on
titles), so figures from this noisy machine compare like with like::

    python benchmarks/matching.py [--questions FILE] [--json]

Accuracy: top-1, top-3 (hit = an expected code among the first 3) and MRR over the file
(``questions: [{q: ..., expect: [codes]}]``). Off-topic: share of built-in chatter that
comes back with no confident match. Latency: p50/p99 per query with the real catalogue and
with a synthetic 10,000-action catalogue generated deterministically from it.
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

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rapidfuzz import process, utils  # noqa: E402

from benchmarks.report import latency_ms  # noqa: E402
from catalogue import Action, Catalogue  # noqa: E402
from catalogue.loader import read_catalogue  # noqa: E402

DEFAULT_QUESTIONS = REPO_ROOT.parent / "shared" / "eval" / "questions-dev.yaml"
TOP_K = 3
SYNTHETIC_ACTIONS = 10_000
SYNTHETIC_SEED = 20240601
LATENCY_ROUNDS = 10  # passes over the question set per catalogue
BASELINE_10K_ROUNDS = 2  # the baseline is slow at 10k actions: fewer passes keep the run under a minute

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


def load_questions(path: Path) -> list[tuple[str, set[str]]]:
    """The (question, expected codes) pairs of a questions file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(item["q"]), set(item["expect"])) for item in document["questions"]]


def synthetic_catalogue(base: Catalogue, size: int = SYNTHETIC_ACTIONS, seed: int = SYNTHETIC_SEED) -> Catalogue:
    """A deterministic catalogue of ``size`` actions recombined from the real one's words.

    Titles mix words of several real titles, keywords are drawn from other actions, and codes
    stay valid (area + stage + number, stages in order within each area).
    """
    rng = random.Random(seed)
    data = read_catalogue(base.path)
    words = [word for action in base.actions for word in action.title.split()]
    keywords = [keyword for action in base.actions for keyword in action.keywords] or words
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


def accuracy(search: Callable[[str], list[str]], questions: Sequence[tuple[str, set[str]]]) -> dict[str, float]:
    """Top-1, top-3 and mean reciprocal rank (within the top 3) over the questions."""
    top1 = top3 = reciprocal = 0.0
    for question, expected in questions:
        codes = search(question)[:TOP_K]
        ranks = [rank for rank, code in enumerate(codes, 1) if code in expected]
        top1 += bool(ranks) and ranks[0] == 1
        top3 += bool(ranks)
        reciprocal += 1.0 / ranks[0] if ranks else 0.0
    count = max(len(questions), 1)
    return {"top1": round(top1 / count, 3), "top3": round(top3 / count, 3), "mrr": round(reciprocal / count, 3)}


def latency(search: Callable[[str], object], queries: Sequence[str], rounds: int = LATENCY_ROUNDS) -> dict[str, float]:
    """p50 and p99 of one call, in milliseconds, over several passes of the queries (after a warm-up pass)."""
    for query in queries:
        search(query)
    samples: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter_ns()
            search(query)
            samples.append((time.perf_counter_ns() - start) / 1e9)
    return latency_ms(samples, digits=4)


def run(questions_path: Path) -> dict[str, object]:
    """Every figure of the benchmark, as one JSON-ready mapping."""
    questions = load_questions(questions_path)
    queries = [question for question, _ in questions]
    real = Catalogue.load()
    started = time.perf_counter()
    synthetic = synthetic_catalogue(real)
    generated = time.perf_counter()
    synthetic.search("warm up the index")
    built = time.perf_counter()

    ours_real = lambda text: [m.action.code for m in real.search(text, limit=TOP_K)]  # noqa: E731
    baseline_real = Baseline(real)
    baseline_synthetic = Baseline(synthetic)
    off_topic_rejected = sum(not any(m.confident for m in real.search(text)) for text in OFF_TOPIC)
    on_topic_confident = sum(any(m.confident for m in real.search(text)) for text in queries)

    result: dict[str, object] = {
        "questions_file": str(questions_path),
        "questions": len(questions),
        "catalogue_actions": len(real.actions),
        "synthetic_actions": len(synthetic.actions),
        "synthetic_index_build_s": round(built - generated, 3),
        "synthetic_generate_s": round(generated - started, 3),
        "search": {
            **accuracy(ours_real, questions),
            "on_topic_confident": round(on_topic_confident / max(len(queries), 1), 3),
            "off_topic_rejected": round(off_topic_rejected / len(OFF_TOPIC), 3),
            "latency_96": latency(lambda text: real.search(text, limit=TOP_K), queries),
            "latency_10k": latency(lambda text: synthetic.search(text, limit=TOP_K), queries),
        },
        "baseline_wratio_titles": {
            **accuracy(baseline_real.search, questions),
            "latency_96": latency(baseline_real.search, queries),
            "latency_10k": latency(baseline_synthetic.search, queries, rounds=BASELINE_10K_ROUNDS),
        },
    }
    ours, base = result["search"], result["baseline_wratio_titles"]
    for size in ("latency_96", "latency_10k"):
        for key in ("p50_ms", "p99_ms"):
            ours[size][f"{key[:3]}_vs_baseline"] = round(ours[size][key] / max(base[size][key], 1e-9), 2)
    return result


def print_table(result: dict[str, object]) -> None:
    """The figures as a readable table."""
    ours, base = result["search"], result["baseline_wratio_titles"]
    print(f"questions: {result['questions']} from {result['questions_file']}")
    print(
        f"catalogue: {result['catalogue_actions']} actions; synthetic: {result['synthetic_actions']} actions "
        f"(index built in {result['synthetic_index_build_s']} s)"
    )
    print()
    print(f"{'':28}{'search':>12}{'baseline':>12}")
    for key in ("top1", "top3", "mrr"):
        print(f"{key:28}{ours[key]:>12.3f}{base[key]:>12.3f}")
    print(f"{'on-topic confident':28}{ours['on_topic_confident']:>12.3f}{'-':>12}")
    print(f"{'off-topic rejected':28}{ours['off_topic_rejected']:>12.3f}{'-':>12}")
    for size, label in (("latency_96", "96 actions"), ("latency_10k", "10k actions")):
        for key in ("p50_ms", "p99_ms"):
            ratio = ours[size][f"{key[:3]}_vs_baseline"]
            print(f"{label + ' ' + key:28}{ours[size][key]:>12.4f}{base[size][key]:>12.4f}   x{ratio} baseline")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="questions YAML file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(args.questions)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
