"""The big screen's HTML: the whole page once, then its live parts again whenever they change.

Everything is escaped here (workshop names are typed by people). The page needs no file from
elsewhere: its stylesheet and script are served by citybot (``/static/``), the QR code is inline SVG.
"""

from __future__ import annotations

from html import escape

from conversations.screen import Screen, ScreenArea

LIVE_PARTS = ("counts", "results", "status")
"""The elements the page's script replaces with each update (by id)."""


def counts(screen: Screen) -> str:
    labels = screen.labels
    return (
        f'<div class="count"><b id="joined">{screen.joined}</b> {escape(labels["joined"])}</div>'
        f'<div class="count"><b id="finished">{screen.finished}</b> {escape(labels["finished"])}</div>'
    )


def status(screen: Screen) -> str:
    return "" if screen.open else f'<p class="closed">{escape(screen.labels["closed"])}</p>'


def track(area: ScreenArea, steps: int) -> str:
    """The area's bar: the lowest-to-highest range, and a dot at the median, over the stage ladder."""
    if not area.shown:
        return '<div class="track"></div>'

    def at(position: int) -> float:
        return 100.0 * (position + 0.5) / steps

    low, high, median = at(area.low_position), at(area.high_position), at(area.median_position)
    return (
        '<div class="track">'
        f'<span class="range" style="left:{low:.2f}%;width:{high - low:.2f}%"></span>'
        f'<span class="median" style="left:{median:.2f}%"></span>'
        "</div>"
    )


def figures(area: ScreenArea) -> str:
    """The median large, the spread and counts under it; or why there are no figures (fewer than the minimum)."""
    if not area.shown:
        return f'<div class="figures"><span>{escape(area.summary)}</span></div>'
    return f'<div class="figures"><b>{escape(area.median)}</b><span>{escape(area.detail)}</span></div>'


def results(screen: Screen) -> str:
    """Per domain and area the figures, drawn; or the notice that they are hidden."""
    if screen.hidden:
        return f'<p class="hidden-notice" id="hidden-notice">{escape(screen.labels["hidden"])}</p>'
    steps = len(screen.stages)
    header = "".join(f"<span>{escape(name)}</span>" for name in screen.stages)
    rows = [f'<div class="ladder" style="--steps:{steps}"><span></span>{header}<span></span></div>']
    for domain in screen.domains:
        rows.append(f'<h2 class="domain">{escape(domain.code)} · {escape(domain.name)}</h2>')
        for area in domain.areas:
            kind = "shown" if area.shown else "few"
            rows.append(
                f'<div class="area {kind}" data-area="{escape(area.code)}" style="--steps:{steps}">'
                f'<div class="name"><b>{escape(area.code)}</b> <span>{escape(area.title)}</span></div>'
                f"{track(area, steps)}"
                f"{figures(area)}"
                "</div>"
            )
    rows.append(f'<p class="legend">{escape(screen.labels["legend"])}</p>')
    return "\n".join(rows)


def parts(screen: Screen) -> dict[str, str]:
    """The live parts of the page, by element id."""
    return {"counts": counts(screen), "results": results(screen), "status": status(screen)}


def page(screen: Screen, *, qr_svg: str, link: str | None, command: str) -> str:
    """The whole page: the join column (name, QR, code, counts) and the results."""
    labels = screen.labels
    live = parts(screen)
    qr = f'<div class="qr" id="qr">{qr_svg}</div>' if qr_svg else ""
    link_line = f'<p class="link">{escape(link)}</p>' if link else ""
    return f"""<!DOCTYPE html>
<html lang="{escape(screen.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{escape(screen.name)} · {escape(labels["title"])}</title>
<link rel="stylesheet" href="/static/screen.css">
<script src="/static/screen.js" defer></script>
</head>
<body>
<aside class="join">
<h1 id="workshop-name">{escape(screen.name)}</h1>
{qr}
<p class="how">{escape(labels["join"])}</p>
<p class="command">{escape(command)}</p>
<p class="code-label">{escape(labels["code"])}</p>
<p class="code" id="code">{escape(screen.code)}</p>
{link_line}
<div class="counts" id="counts">{live["counts"]}</div>
<div id="status">{live["status"]}</div>
<p class="offline" id="offline">{escape(labels["offline"])}</p>
</aside>
<main id="results">
{live["results"]}
</main>
</body>
</html>
"""
