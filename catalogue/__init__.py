"""The knowledge layer: the maturity catalogue, its validation, free-text search and scoring.

No I/O beyond reading the catalogue file; no database and no bot.
"""

from catalogue.catalogue import Catalogue
from catalogue.loader import CatalogueError, default_path
from catalogue.maturity import (
    Answer,
    AreaMaturity,
    StageProgress,
    answers_for_stage,
    area_maturity,
    city_maturity,
    next_actions,
)
from catalogue.model import Action, Area, Domain, Match, Stage

__all__ = [
    "Action",
    "Answer",
    "Area",
    "AreaMaturity",
    "Catalogue",
    "CatalogueError",
    "Domain",
    "Match",
    "Stage",
    "StageProgress",
    "answers_for_stage",
    "area_maturity",
    "city_maturity",
    "default_path",
    "next_actions",
]
