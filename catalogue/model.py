"""The catalogue's data model: plain, immutable records that every layer can share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Domain:
    """One of the model's top-level domains, e.g. ``L`` Leadership & Governance."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Area:
    """A policy area inside a domain, e.g. ``L1``."""

    code: str
    domain: str
    title: str


@dataclass(frozen=True, slots=True)
class Stage:
    """A maturity stage; ``order`` is its position, since stages are cumulative."""

    code: str
    name: str
    description: str
    order: int


@dataclass(frozen=True, slots=True)
class Action:
    """One action of the catalogue, referred to everywhere by its ``code`` (``L1S1``)."""

    code: str
    domain: str
    area: str
    stage: str
    title: str
    keywords: tuple[str, ...] = ()
    #: Questions an official might ask for this action, in their own words (they feed search).
    examples: tuple[str, ...] = ()
    #: In a translation (citybot's own), the catalogue's official title in its own language; empty otherwise.
    original: str = ""


@dataclass(frozen=True, slots=True)
class Concept:
    """One idea of the field's concept lexicon and the words and short phrases that say it."""

    name: str
    words: tuple[str, ...]
    #: A hazard (flood, storm, cyber attack...): a question naming it is told which hazard was read.
    hazard: bool = False
    #: Concepts a question of this one implies ("flood" -> risk assessment, warning, continuity):
    #: they rank the actions a city would take about it, a little below the question's own words.
    implies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """A search hit: the action, a 0-100 score and whether it is good enough to show as an answer.

    ``terms`` are the query words that matched; ``why`` says how each did, for a reply to show:
    a word or phrase the action uses (``"plan"``), or a query word and the action's word of the
    same concept (``"funding ~ budget"``).
    """

    action: Action
    score: float
    confident: bool
    terms: tuple[str, ...] = field(default=())
    why: tuple[str, ...] = field(default=())
    #: The hazard the question names, in its own words ("floods"), when it names one.
    hazard: str = ""
