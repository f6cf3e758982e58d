"""A new catalogue file under stored answers: answers stay with their codes, a removed action stops counting,
and a question or button naming it is answered politely instead of failing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from catalogue import Answer, Catalogue, area_maturity
from conversations import Engine, open_engine
from tests.helpers.chat import Chat

PACKAGED = Path(__file__).resolve().parents[2] / "catalogue" / "data"


def changed_catalogue(folder: Path) -> Catalogue:
    """The SMR model with L1S2 removed and L1S1 retitled, as a city might ship it."""
    text = (PACKAGED / "smr-rmm.yaml").read_text(encoding="utf-8")
    start = text.index("  - code: L1S2")
    text = text[:start] + text[text.index("  - code:", start + 1) :]
    text = text.replace('title: "Establish a working team', 'title: "Set up a working team', 1)
    for companion in PACKAGED.glob("*.yaml"):
        if companion.name != "smr-rmm.yaml":
            shutil.copy(companion, folder)
    (folder / "changed.yaml").write_text(text, encoding="utf-8")
    return Catalogue.load(folder / "changed.yaml")


@pytest.fixture
async def answered_before(tmp_path: Path, catalogue: Catalogue) -> tuple[str, Chat, list[str]]:
    """An official who answered L1S1 "Done" and now sees the question about L1S2, under the packaged catalogue."""
    url = f"sqlite:///{tmp_path / 'citybot.db'}"
    async with await open_engine(url, catalogue) as engine:
        chat = Chat(engine)
        await chat.onboard()
        await chat.command("/assess")
        await chat.press("answers.done")
        pending = [option.choice for option in chat.options]
    assert any(":L1S2:" in choice for choice in pending)
    return url, chat, pending


async def reopen(url: str, chat: Chat, catalogue: Catalogue) -> tuple[Engine, Chat]:
    engine = await open_engine(url, catalogue)
    again = Chat(engine)
    again.user_id = chat.user_id
    return engine, again


async def test_the_pending_question_about_a_removed_action_is_explained_and_the_assessment_goes_on(
    answered_before: tuple[str, Chat, list[str]], tmp_path: Path
) -> None:
    url, chat, _ = answered_before
    new = changed_catalogue(tmp_path)
    engine, again = await reopen(url, chat, new)
    async with engine:
        await again.command("/assess")
        assert again.said("assessment.removed_action", code="L1S2", model=new.name)
        assert not again.said("errors.internal")
        assert again.options and not any(":L1S2:" in option.choice for option in again.options)


async def test_a_button_naming_a_removed_action_is_answered_politely(
    answered_before: tuple[str, Chat, list[str]], tmp_path: Path
) -> None:
    url, chat, pending = answered_before
    engine, again = await reopen(url, chat, changed_catalogue(tmp_path))
    async with engine:
        await again.choose_id(pending[0])  # "Done" for L1S2, pressed after the catalogue changed
        assert again.said("assessment.removed_action", code="L1S2", model=engine.catalogue.name)
        assert not again.said("errors.internal")
        for choice in ("x:L1S2", "ch:L1S2"):  # its details, changing its answer
            await again.choose_id(choice)
            assert not again.said("errors.internal"), choice


async def test_answers_stay_with_their_codes_and_a_removed_action_no_longer_counts(
    answered_before: tuple[str, Chat, list[str]], tmp_path: Path
) -> None:
    url, chat, pending = answered_before
    async with await open_engine(url, Catalogue.load()) as engine:  # answer L1S2 "Not yet" under the old model
        old = Chat(engine)
        old.user_id = chat.user_id
        await old.choose_id(pending[0].replace(":d", ":n"))
    new = changed_catalogue(tmp_path)
    engine, _ = await reopen(url, chat, new)
    async with engine:
        rows = {row.action_code: row for row in await engine.export_answers()}
    assert {code: row.answer for code, row in rows.items()} == {"L1S1": Answer.DONE, "L1S2": Answer.NOT_YET}
    assert rows["L1S2"].area == ""  # kept, though the model no longer places it
    answers = {code: row.answer for code, row in rows.items()}
    assert area_maturity(Catalogue.load(), "L1", answers).stage_reached is None  # L1S2 "Not yet" held stage S back
    assert area_maturity(new, "L1", answers).stage_reached == "S"  # without L1S2, stage S is complete
