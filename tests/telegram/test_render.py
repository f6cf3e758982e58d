"""Rendering rules that do not need a bot: escaping, splitting below 4,096, keyboard layout."""

from __future__ import annotations

import html

import pytest

from bot.telegram.render import TEXT_LIMIT, keyboard, split_text, utf16_length
from conversations import Option


def test_text_is_escaped_for_html_parse_mode() -> None:
    assert split_text("<b>Flood & fire</b> plan") == ["&lt;b&gt;Flood &amp; fire&lt;/b&gt; plan"]


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "line\n" * 2000,  # many short lines
        "word " * 3000,  # one long line of words
        "x" * 9000,  # no break at all
        "&<>" * 2000,  # escaping triples the length
        "🟢 ok\n" * 1500,  # astral emoji count twice in UTF-16
    ],
    ids=["short", "lines", "words", "unbroken", "escapes", "emoji"],
)
def test_long_text_is_split_into_messages_that_fit(text: str) -> None:
    chunks = split_text(text)
    assert all(0 < utf16_length(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert all("&" not in chunk.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "") for chunk in chunks)
    rejoined = "".join(html.unescape(chunk) for chunk in chunks)
    assert rejoined.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_empty_text_still_makes_a_message() -> None:
    assert split_text("") == ["…"]


def test_keyboard_rows_follow_columns_and_carry_choice_ids() -> None:
    options = tuple(Option(label, f"q1:{label[0].lower()}") for label in ("Done", "In progress", "Not yet", "Not sure"))
    markup = keyboard(options, columns=2)
    assert markup is not None
    rows = [[(button.text, button.callback_data) for button in row] for row in markup.inline_keyboard]
    assert rows == [[("Done", "q1:d"), ("In progress", "q1:i")], [("Not yet", "q1:n"), ("Not sure", "q1:n")]]


def test_long_labels_get_fewer_columns_so_they_fit_a_phone() -> None:
    options = tuple(Option(f"Starting: a rather long stage description {n}", f"q1:{n}") for n in range(4))
    markup = keyboard(options, columns=3)
    assert markup is not None
    assert [len(row) for row in markup.inline_keyboard] == [1, 1, 1, 1]


def test_one_long_label_only_narrows_its_own_row() -> None:
    labels = ("Mayor", "Planner", "Infrastructure or utilities and other services", "Other", "Police")
    markup = keyboard(tuple(Option(label, f"r:{n}") for n, label in enumerate(labels)), columns=2)
    assert markup is not None
    assert [[button.text for button in row] for row in markup.inline_keyboard] == [
        ["Mayor", "Planner"],
        ["Infrastructure or utilities and other services"],
        ["Other", "Police"],
    ]


def test_no_options_no_keyboard() -> None:
    assert keyboard((), columns=2) is None
