"""The catalogue as one object: the records, lookups by code, and free-text search."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from catalogue.loader import CatalogueData, read_catalogue
from catalogue.model import Action, Area, Domain, Match, Stage

if TYPE_CHECKING:
    from catalogue.search import SearchIndex


class Catalogue:
    """A validated maturity catalogue; load one with :meth:`Catalogue.load`."""

    def __init__(self, data: CatalogueData, path: Path | None = None) -> None:
        self.id = data.id
        self.name = data.name
        self.version = data.version
        self.language = data.language
        self.source = data.source
        self.path = path
        self.domains = data.domains
        self.areas = data.areas
        self.stages = data.stages
        self.actions = data.actions
        self.area_keywords = data.area_keywords
        self.concepts = data.concepts
        self._data = data
        self._domains = {domain.code: domain for domain in data.domains}
        self._areas = {area.code: area for area in data.areas}
        self._stages = {stage.code: stage for stage in data.stages}
        self._actions = {action.code: action for action in data.actions}

    @classmethod
    def load(cls, path: Path | str | None = None) -> Catalogue:
        """Read and validate a catalogue file; the packaged SMR model when no path is given."""
        return cls(read_catalogue(path), Path(path) if path is not None else None)

    def __repr__(self) -> str:
        return f"<Catalogue {self.id} {self.version}: {len(self.actions)} actions>"

    def domain(self, code: str) -> Domain:
        return self._domains[code]

    def area(self, code: str) -> Area:
        return self._areas[code]

    def stage(self, code: str) -> Stage:
        return self._stages[code]

    def action(self, code: str) -> Action:
        return self._actions[code]

    def has_action(self, code: str) -> bool:
        return code in self._actions

    def areas_of(self, domain: str) -> tuple[Area, ...]:
        return tuple(area for area in self.areas if area.domain == domain)

    def actions_of(self, area: str, stage: str | None = None) -> tuple[Action, ...]:
        """The actions of an area (optionally of one stage), in catalogue order."""
        return tuple(a for a in self.actions if a.area == area and (stage is None or a.stage == stage))

    def stages_of(self, area: str) -> tuple[Stage, ...]:
        """The stages that have at least one action in ``area``, in order (not every area has all)."""
        present = {action.stage for action in self.actions if action.area == area}
        return tuple(stage for stage in self.stages if stage.code in present)

    def sorted_actions(self, actions: Iterable[Action]) -> list[Action]:
        """Actions ordered the way the catalogue lists urgency: by stage, then by code."""
        return sorted(actions, key=lambda a: (self._stages[a.stage].order, a.code))

    @cached_property
    def _index(self) -> SearchIndex:
        # The search module (snowballstemmer, rapidfuzz) is imported with the first search, not at every start.
        from catalogue.search import SearchIndex

        return SearchIndex(self._data)

    def prepare_search(self) -> None:
        """Build the search index now, e.g. in the background once the bot serves; otherwise the first search does."""
        self._index  # noqa: B018 - a cached property: built here once

    def search(self, text: str, limit: int | None = None) -> list[Match]:
        """The best matching actions for free text, best first (see :mod:`catalogue.search`).

        ``limit`` defaults to :data:`catalogue.search.DEFAULT_LIMIT`.
        """
        return self._index.search(text) if limit is None else self._index.search(text, limit=limit)

    def question_of(self, text: str) -> str | None:
        """In a long message of several sentences, the sentences that ask (``None`` when it is not one).

        The search weighs these first (see :meth:`catalogue.search.SearchIndex.question_of`).
        """
        return self._index.question_of(text)
