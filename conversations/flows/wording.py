"""Short forms of catalogue wording for phone screens: shortened titles and per-area stage summaries.

The catalogue's official titles stay as they are; these only decide how much of them fits a
button or a line, and describe an area's stages by that area's own actions.
"""

from __future__ import annotations

from catalogue import Catalogue

BUTTON_TITLE = 34
"""Characters of an action's title on a button, after its code (a phone shows about 40 per button)."""
STAGE_SUMMARY = 56
"""Characters of an area's stage summary (its first action's title) on a check-in screen."""


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: whole words, an ellipsis when cut."""
    text = " ".join(text.split()).rstrip(".")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and cut.rindex(" ") > limit // 2:  # whole words, unless that leaves too little
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:(/-") + "…"


def button_title(catalogue: Catalogue, code: str) -> str:
    """An action as a button shows it: its code and the start of its title."""
    return f"{code} {shorten(catalogue.action(code).title, BUTTON_TITLE)}"


def stage_summary(catalogue: Catalogue, area: str, stage: str) -> tuple[str, int]:
    """What a stage means in one area, told by its first action (shortened), and how many actions it has."""
    actions = catalogue.sorted_actions(catalogue.actions_of(area, stage))
    return shorten(actions[0].title, STAGE_SUMMARY), len(actions)


LOOK_ALIKE = 0.6
"""Two stage summaries look alike when their common start is this share of the shorter one."""
LEAD_WORDS = 3
"""Words of a common start kept before what differs ("Conduct training and… including volunteers")."""


def stage_summaries(catalogue: Catalogue, area: str) -> dict[str, tuple[str, int]]:
    """Each stage of an area told by its first action, as :func:`stage_summary`, and what differs where two look alike.

    Stages whose first actions start the same way (P2's Starting and Moderate both "Conduct
    training and arrange emergency drills…") would read identical once shortened; those keep a
    few words of the common start and then say what differs.
    """
    firsts = {
        stage.code: " ".join(catalogue.sorted_actions(catalogue.actions_of(area, stage.code))[0].title.split())
        for stage in catalogue.stages_of(area)
    }
    summaries = {code: stage_summary(catalogue, area, code) for code in firsts}
    for code, title in firsts.items():
        for other, other_title in firsts.items():
            if other == code:
                continue
            words, other_words = title.rstrip(".").split(), other_title.rstrip(".").split()
            common = 0
            while common < min(len(words), len(other_words)) and words[common] == other_words[common]:
                common += 1
            shared = len(" ".join(words[:common]))
            shorter = min(len(summaries[code][0]), len(summaries[other][0]))
            if common > LEAD_WORDS and common < len(words) and shared >= LOOK_ALIKE * shorter:
                lead = " ".join(words[:LEAD_WORDS]).rstrip(",;:")
                text = shorten(f"{lead}… {' '.join(words[common:])}", STAGE_SUMMARY)
                summaries[code] = (text, summaries[code][1])
                break
    return summaries
