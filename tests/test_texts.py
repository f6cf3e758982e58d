"""Every sentence the code asks for exists in the English texts, so no user ever meets a KeyError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conversations import Texts

ROOT = Path(__file__).resolve().parents[1]
# A dotted key passed to one of the text lookups: say("x.y"), t("x.y"), texts.get("x.y"), ...
TEXT_KEY = re.compile(r"""\b(?:say|t|get|question)\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""")
SOURCES = sorted(p for package in ("conversations", "bot") for p in (ROOT / package).rglob("*.py"))


def keys_used() -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(ROOT)}", key)
        for path in SOURCES
        for key in TEXT_KEY.findall(path.read_text(encoding="utf-8"))
    ]


def test_the_scan_finds_the_lookups() -> None:
    assert len(keys_used()) > 50


@pytest.mark.parametrize(("where", "key"), keys_used())
def test_every_key_used_in_code_is_in_the_english_texts(where: str, key: str) -> None:
    assert Texts.load().has(key), f"{where} asks for text {key!r}, which conversations/texts/en.yaml lacks"
