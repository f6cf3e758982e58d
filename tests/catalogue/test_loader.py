"""The loader: the packaged catalogue's shape, and a precise error for every kind of broken file."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue import Catalogue, CatalogueError

EXPECTED_ACTIONS_PER_AREA = {
    "I2": 15, "P2": 13, "C1": 13, "I1": 12, "L1": 11, "P1": 10, "L3": 6, "C2": 6, "L2": 5, "L4": 5,
}  # fmt: skip

VALID = """\
catalogue:
  id: tiny
  name: Tiny model
  version: "0.1"
  source: written for the tests
domains:
  - code: L
    name: Leadership
stages:
  - code: S
    name: Starting
    description: First steps.
  - code: M
    name: Moderate
    description: Getting there.
areas:
  - code: L1
    domain: L
    title: Governance
actions:
  - code: L1S1
    area: L1
    stage: S
    title: Set up a team
    keywords: [task force]
  - code: L1M1
    area: L1
    stage: M
    title: Create a committee
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def smr() -> Catalogue:
    return Catalogue.load()


def test_packaged_catalogue_has_the_smr_shape(smr: Catalogue) -> None:
    assert [d.code for d in smr.domains] == ["L", "P", "I", "C"]
    assert [s.code for s in smr.stages] == ["S", "M", "A", "R", "T"]
    assert [s.name for s in smr.stages] == ["Starting", "Moderate", "Advanced", "Robust", "verTebrate"]
    assert len(smr.areas) == 10
    assert len(smr.actions) == 96
    counts = {area.code: len(smr.actions_of(area.code)) for area in smr.areas}
    assert counts == EXPECTED_ACTIONS_PER_AREA


def test_seed_traps_are_handled(smr: Catalogue) -> None:
    # Domain names glued to the first area's title are split off.
    assert smr.area("L1").title == "Municipality, cross-sectiorial and multi-governance collaboration"
    assert smr.area("P1").title == "Diagnosis and Assessment"
    assert smr.area("I1").title == "Reliability of Cis and their interdependences"
    # The title with parentheses is kept whole.
    assert smr.action("C2T1").title.endswith("in networks (local, national, European and global)")
    assert smr.action("L1S1").domain == "L"


def test_every_action_and_stage_is_described(smr: Catalogue) -> None:
    assert all(action.keywords for action in smr.actions)
    assert all(stage.description for stage in smr.stages)


def test_not_every_area_has_every_stage(smr: Catalogue) -> None:
    assert [s.code for s in smr.stages_of("L2")] == ["M", "A", "T"]
    assert [s.code for s in smr.stages_of("L1")] == ["S", "M", "A", "R", "T"]


def test_a_city_can_load_its_own_file(tmp_path: Path) -> None:
    catalogue = Catalogue.load(write(tmp_path, VALID))
    assert catalogue.name == "Tiny model"
    assert [a.code for a in catalogue.actions] == ["L1S1", "L1M1"]
    assert catalogue.action("L1S1").keywords == ("task force",)
    assert catalogue.action("L1M1").keywords == ()


BROKEN = [
    pytest.param(VALID.replace("    title: Set up a team\n", ""), 21, "action L1S1: missing field 'title'", id="missing"),
    pytest.param(VALID.replace("title: Set up a team", "title: '  '"), 24, "action L1S1: field 'title' is empty", id="empty"),
    pytest.param(VALID.replace("code: L1M1", "code: L1S1").replace("stage: M", "stage: S"), 26,
                 "duplicate code 'L1S1' in 'actions'", id="duplicate"),
    pytest.param(VALID.replace("area: L1\n    stage: M", "area: L9\n    stage: M"), 27,
                 "action L1M1: unknown area 'L9' (known: L1)", id="unknown-area"),
    pytest.param(VALID.replace("stage: M\n    title: Create", "stage: X\n    title: Create"), 28,
                 "action L1M1: unknown stage 'X' (known: M, S)", id="unknown-stage"),
    pytest.param(VALID.replace("code: L1M1", "code: L1A1"), 26,
                 "action L1A1: code does not match its area and stage (expected L1M<number>)", id="code-mismatch"),
    pytest.param(VALID.replace("  - code: L1S1\n    area: L1\n    stage: S\n    title: Set up a team\n    keywords: [task force]\n", "")
                 + "  - code: L1S1\n    area: L1\n    stage: S\n    title: Set up a team\n", 27,
                 "action L1S1: stage out of order, stage S comes after stage M in area L1", id="stage-order"),
    pytest.param(VALID.replace("domain: L\n", "domain: Q\n"), 18, "areas[0]: unknown domain 'Q' (known: L)", id="unknown-domain"),
    pytest.param(VALID.replace("keywords: [task force]", "keywords: [task force"), 26, "invalid YAML", id="bad-yaml"),
    pytest.param(VALID.replace('  version: "0.1"\n', ""), 2, "catalogue: missing field 'version'", id="missing-header"),
    pytest.param(VALID.split("actions:")[0], 1, "missing or empty section 'actions' (a list)", id="no-actions"),
    pytest.param("- just\n- a list\n", None, "the file must be a mapping", id="not-a-mapping"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "message"), BROKEN)
def test_broken_files_name_file_line_and_problem(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CatalogueError) as caught:
        Catalogue.load(path)
    error = caught.value
    assert str(path) in str(error)
    assert message in str(error)
    assert error.line == line
    if line is not None:
        assert f"line {line}" in str(error)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="file not found"):
        Catalogue.load(tmp_path / "nope.yaml")


def test_the_packaged_catalogue_has_examples_and_a_concept_lexicon(smr: Catalogue) -> None:
    assert all(len(action.examples) >= 3 for action in smr.actions)
    assert len(smr.concepts) >= 50
    assert all(concept.words for concept in smr.concepts)


def test_examples_and_concepts_are_optional(tmp_path: Path) -> None:
    catalogue = Catalogue.load(write(tmp_path, VALID))
    assert all(action.examples == () for action in catalogue.actions)
    assert catalogue.concepts == ()
    assert catalogue.search("task force")[0].action.code == "L1S1"


WITH_EXAMPLES = VALID.replace(
    "    keywords: [task force]\n", "    keywords: [task force]\n    examples:\n      - who leads this?\n"
)
CONCEPTS = """\
concepts:
  - name: team
    words: [task force, crew, squad]
"""


def test_examples_and_a_concepts_file_are_read(tmp_path: Path) -> None:
    (tmp_path / "concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    text = WITH_EXAMPLES.replace("  source: written for the tests\n", "  source: tests\n  concepts: concepts.yaml\n")
    catalogue = Catalogue.load(write(tmp_path, text))
    assert catalogue.action("L1S1").examples == ("who leads this?",)
    assert [(c.name, c.words) for c in catalogue.concepts] == [("team", ("task force", "crew", "squad"))]
    assert catalogue.search("crew")[0].action.code == "L1S1"


def test_a_concept_may_be_a_hazard_and_imply_others(tmp_path: Path) -> None:
    text = VALID + CONCEPTS + "  - name: flood\n    hazard: true\n    implies: [team]\n    words: [flood, floods]\n"
    catalogue = Catalogue.load(write(tmp_path, text))
    flood = catalogue.concepts[-1]
    assert flood.hazard and flood.implies == ("team",) and not catalogue.concepts[0].hazard
    best = catalogue.search("floods")[0]
    assert best.action.code == "L1S1" and best.hazard == "floods"  # reached only through what a flood implies


def test_concepts_can_be_a_section_of_the_catalogue(tmp_path: Path) -> None:
    catalogue = Catalogue.load(write(tmp_path, VALID + CONCEPTS))
    assert [c.name for c in catalogue.concepts] == ["team"]


BROKEN_NEW_FIELDS = [
    pytest.param(VALID.replace("keywords: [task force]", "keywords: [task force]\n    examples: who leads?"), 26,
                 "action L1S1: field 'examples' must be a list of questions", id="examples-not-a-list"),
    pytest.param(VALID + "concepts:\n  - name: team\n    words: crew\n", 32,
                 "concept 'team': field 'words' must be a list of words or short phrases", id="words-not-a-list"),
    pytest.param(VALID + "concepts:\n  - name: team\n    words: []\n", 32,
                 "concept 'team': field 'words' needs at least one word", id="no-words"),
    pytest.param(VALID + "concepts:\n  - name: team\n    words: [a very long phrase here]\n", 32,
                 "concept 'team': 'a very long phrase here' is not a word or a short phrase", id="long-phrase"),
    pytest.param(VALID + "concepts:\n  - name: team\n    words: [crew]\n  - name: team\n    words: [squad]\n", 33,
                 "duplicate concept 'team'", id="duplicate-concept"),
    pytest.param(VALID + "concepts:\n  - words: [crew]\n", 31, "concepts[0]: missing field 'name'", id="no-name"),
    pytest.param(VALID + "concepts:\n  - name: team\n    words: [crew]\n    implies: [money]\n", 33,
                 "concept 'team': implies unknown concept 'money'", id="implies-unknown"),
    pytest.param(VALID + "concepts:\n  - name: flood\n    words: [flood]\n    hazard: maybe\n", 33,
                 "concept 'flood': field 'hazard' must be true or false", id="hazard-not-a-flag"),
    pytest.param(VALID.replace("  source: written for the tests\n", "  source: t\n  concepts: nope.yaml\n"), 6,
                 "catalogue: concepts file 'nope.yaml' not found next to the catalogue", id="no-concepts-file"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "message"), BROKEN_NEW_FIELDS)
def test_broken_examples_and_concepts_name_line_and_problem(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CatalogueError) as caught:
        Catalogue.load(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.line == line


def test_a_broken_concepts_file_is_named_with_its_line(tmp_path: Path) -> None:
    concepts = tmp_path / "concepts.yaml"
    concepts.write_text(
        "concepts:\n  - name: team\n    words: [crew]\n  - name: money\n    words: []\n", encoding="utf-8"
    )
    text = VALID.replace("  source: written for the tests\n", "  source: t\n  concepts: concepts.yaml\n")
    with pytest.raises(CatalogueError) as caught:
        Catalogue.load(write(tmp_path, text))
    assert caught.value.path == str(concepts)
    assert caught.value.line == 5
    assert "concept 'money': field 'words' needs at least one word" in str(caught.value)
