"""The `citybot` command line: each command builds what it needs, then calls one thing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from catalogue import Catalogue, CatalogueError, Match

app = typer.Typer(
    help="citybot: a resilience self-assessment bot for city officials (SMR Resilience Maturity Model).",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CatalogueOption = Annotated[
    Path | None,
    typer.Option("--catalogue", help="Catalogue YAML file to use instead of the packaged SMR model.", dir_okay=False),
]


def load_catalogue(path: Path | None) -> Catalogue:
    """Load a catalogue or exit with the loader's message (file, line, what is wrong)."""
    try:
        return Catalogue.load(path)
    except CatalogueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None


@app.callback(invoke_without_command=True)
def default(context: typer.Context) -> None:
    """Without a command: show help."""
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())


@app.command("catalogue")
def catalogue_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as one JSON object.")] = False,
    check: Annotated[
        Path | None, typer.Option("--check", help="Validate this catalogue file and report problems.", dir_okay=False)
    ] = None,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Show the catalogue: domains, areas, stages and actions (or validate a file with --check)."""
    catalogue = load_catalogue(check or catalogue_path)
    if check is not None and not as_json:
        typer.echo(
            f"{check}: OK, {catalogue.name} {catalogue.version}: {len(catalogue.domains)} domains, "
            f"{len(catalogue.areas)} areas, {len(catalogue.stages)} stages, {len(catalogue.actions)} actions"
        )
        return
    if as_json:
        typer.echo(json.dumps(catalogue_as_dict(catalogue), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{catalogue.name} (version {catalogue.version})")
    typer.echo("Stages: " + ", ".join(f"{s.code} {s.name}" for s in catalogue.stages))
    for domain in catalogue.domains:
        typer.echo(f"\n{domain.code}  {domain.name}")
        for area in catalogue.areas_of(domain.code):
            typer.echo(f"  {area.code}  {area.title}")
            for action in catalogue.actions_of(area.code):
                typer.echo(f"    {action.code:<6} {action.title}")


def catalogue_as_dict(catalogue: Catalogue) -> dict[str, object]:
    return {
        "id": catalogue.id,
        "name": catalogue.name,
        "version": catalogue.version,
        "source": catalogue.source,
        "domains": [{"code": d.code, "name": d.name} for d in catalogue.domains],
        "areas": [{"code": a.code, "domain": a.domain, "title": a.title} for a in catalogue.areas],
        "stages": [{"code": s.code, "name": s.name, "description": s.description} for s in catalogue.stages],
        "actions": [
            {"code": a.code, "title": a.title, "domain": a.domain, "area": a.area, "stage": a.stage}
            for a in catalogue.actions
        ],
    }


def match_as_dict(match: Match) -> dict[str, object]:
    action = match.action
    return {
        "code": action.code,
        "title": action.title,
        "domain": action.domain,
        "area": action.area,
        "stage": action.stage,
        "score": round(match.score, 1),
        "confident": match.confident,
    }


@app.command("ask")
def ask_command(
    text: Annotated[list[str], typer.Argument(help="Your question, in your own words.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="How many matches to show.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as one JSON object.")] = False,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Find the catalogue actions that match a question, best first."""
    catalogue = load_catalogue(catalogue_path)
    query = " ".join(text)
    matches = catalogue.search(query, limit=limit)
    confident = any(match.confident for match in matches)
    if as_json:
        payload = {"query": query, "confident": confident, "matches": [match_as_dict(m) for m in matches]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not confident:
        typer.echo("No close match in the catalogue. Closest actions:" if matches else "No match in the catalogue.")
    for match in matches:
        action = match.action
        area = catalogue.area(action.area)
        stage = catalogue.stage(action.stage)
        typer.echo(f"{action.code:<6} {action.title}")
        typer.echo(f"       area {area.code} {area.title} · stage {stage.name} · score {match.score:.0f}")


def main() -> None:
    """Entry point of the `citybot` console script."""
    app()
