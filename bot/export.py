"""Exports for coordinators: every stored answer, one row per answer, as CSV, JSON or Excel.

Rows are plain dicts (field name -> value: ``str``, ``int``, ``bool``; a time as ISO 8601 text, as the
engine gives it, or an aware ``datetime``); this module only turns them into file bytes:

* CSV in UTF-8 with a byte-order mark, so Excel opens accents and non-Latin names correctly;
* JSON, a list of objects with ISO 8601 times;
* XLSX (openpyxl, imported only when one is written): an *Answers* sheet with typed cells, a
  frozen header and filters on, a *Summary* sheet (per city and per workshop, per area: how many
  gave a stage and how many were not sure, the median stage with its spread, and the next steps
  with how many of the area's respondents have each: the room's own figures, from
  :mod:`conversations.group_results`) and the *Catalogue* sheet.

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) are neutralised in CSV with a leading apostrophe (OWASP's advice
against CSV injection); in XLSX they are written as plain text cells, unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from catalogue import Answer, Catalogue
from catalogue.group_results import Said, area_said, group_results


class ExportFormat(StrEnum):
    """The file formats of an answer export; the value is also the file extension."""

    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.JSON: "application/json",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the Answers table: its field, the type of its cells and its width in Excel."""

    name: str
    kind: type
    width: int = 12


ANSWER_COLUMNS = (
    Column("city", str, 14),
    Column("participant", str, 12),
    Column("name", str, 16),
    Column("role", str, 14),
    Column("workshop", str, 10),
    Column("workshop_name", str, 20),
    Column("assessment", int, 11),
    Column("assessment_kind", str, 10),
    Column("round", int, 7),
    Column("domain", str, 8),
    Column("area", str, 6),
    Column("area_title", str, 36),
    Column("stage", str, 6),
    Column("stage_name", str, 11),
    Column("action_code", str, 8),
    Column("action_title", str, 50),
    Column("answer", str, 11),
    Column("implied", bool, 8),
    Column("note", str, 30),
    Column("answered_at", datetime, 20),
)
"""Every answer row's fields, in file order. ``participant`` is a stable pseudonymous id; ``name`` is
the display name only when the participant agreed to share it. ``implied`` is true for answers
implied by a quick check-in (a stage picked for the area), false for answers given one by one."""
ANSWER_FIELDS = tuple(column.name for column in ANSWER_COLUMNS)

SUMMARY_FIELDS = (
    "group",
    "name",
    "participants",
    "area",
    "area_title",
    "respondents",
    "unsure",
    "median_stage",
    "lowest_stage",
    "highest_stage",
    "next_actions",
    "earlier_workshop",
    "earlier_respondents",
    "earlier_median_stage",
    "earlier_lowest_stage",
    "earlier_highest_stage",
)
"""The Summary sheet: per city and per workshop (``group``), per area, the group results. ``respondents``
gave a stage; ``unsure`` said "Not sure"; ``next_actions`` lists ``CODE (n)``, n of the area's respondents."""
COUNT_FIELDS = ("participants", "respondents", "unsure", "earlier_respondents")
STAGE_COLUMNS = (
    Column("participant", str, 12),
    Column("name", str, 16),
    Column("role", str, 14),
    Column("city", str, 14),
    Column("workshop", str, 10),
    Column("area", str, 6),
    Column("area_title", str, 36),
    Column("said", str, 10),
    Column("stage", str, 6),
    Column("stage_name", str, 14),
    Column("implied", bool, 8),
    Column("answered_at", datetime, 20),
)
"""The Stages sheet: per participant (in a workshop, else in a city) and area, what their answers say:
``said`` is ``stage`` (``stage_name`` is the stage picked, or "not started"), ``unsure`` ("not sure")
or ``incomplete`` (part of a stage answered, so no stage); ``implied`` when it came from a quick check-in."""
CATALOGUE_FIELDS = ("code", "domain", "domain_name", "area", "area_title", "stage", "stage_name", "title")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What spreadsheet programs read as the start of a formula (OWASP, CSV injection)."""
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters an XLSX file cannot hold; they are dropped from cells."""
CSV_BOM = "\ufeff"
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
HEADER_FILL = "DDEBF7"


def export_bytes(
    rows: Sequence[Mapping[str, Any]],
    fmt: ExportFormat | str,
    *,
    catalogue: Catalogue,
    not_started: str = "",
    not_sure: str = "",
    earlier: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    sheets: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """The answer rows as a file in ``fmt``; XLSX adds the Summary, Stages and Catalogue sheets.

    ``sheets`` and ``headers`` name the workbook's sheets and columns in the reader's language (by sheet
    and by field; the field names where missing); CSV and JSON always use the field names.

    ``not_started`` names "no stage reached" in the Summary and Stages sheets, ``not_sure`` an area
    answered "Not sure" in the Stages sheet (sentences of the texts file); ``earlier`` gives, per
    follow-up workshop's code, the answer rows of the workshop it follows, whose figures the Summary
    puts beside its own.
    """
    fmt = ExportFormat(fmt)
    if fmt is ExportFormat.CSV:
        return csv_bytes(rows)
    if fmt is ExportFormat.JSON:
        return json_bytes(rows)
    return xlsx_bytes(
        rows,
        catalogue=catalogue,
        not_started=not_started,
        not_sure=not_sure,
        earlier=earlier,
        sheets=sheets,
        headers=headers,
    )


def csv_bytes(rows: Iterable[Mapping[str, Any]], fields: Sequence[str] = ANSWER_FIELDS) -> bytes:
    """CSV in UTF-8 with a byte-order mark, header first, formula-like text neutralised."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_cell(row.get(field)) for field in fields])
    return buffer.getvalue().encode("utf-8")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso_utc(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def json_bytes(rows: Iterable[Mapping[str, Any]], fields: Sequence[str] = ANSWER_FIELDS) -> bytes:
    """A JSON list of objects, one per row, with every field, times in ISO 8601 UTC."""
    objects = [{field: json_value(row.get(field)) for field in fields} for row in rows]
    return (json.dumps(objects, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def json_value(value: Any) -> Any:
    return iso_utc(value) if isinstance(value, datetime) else value


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, to the second; a naive time is taken to be UTC already."""
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC).isoformat(timespec="seconds")


def summary_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    catalogue: Catalogue,
    not_started: str = "",
    earlier: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Per city, then per workshop, per area: respondents, unsure, the median stage with its spread, next steps.

    Built from the exported rows themselves with :func:`conversations.group_results.group_results`
    (the room's computation), each participant counted once with their latest answer per action,
    so the Summary always agrees with the Answers sheet it comes with and with the room. The
    export holds the answers themselves, as participants consented, so no group is too small
    here (``min_group_size=1``). Answers to actions the catalogue does not have are left out.
    A follow-up workshop's rows carry the ``earlier`` workshop's figures too, computed the same way.
    """
    groups: dict[tuple[str, str], dict[str, list[Mapping[str, Any]]]] = {}
    codes: dict[str, str] = {}  # a workshop group's label -> its code
    for row in rows:
        if not catalogue.has_action(str(row.get("action_code", ""))):
            continue
        person = str(row.get("participant", ""))
        if row.get("city"):
            groups.setdefault(("city", str(row["city"])), {}).setdefault(person, []).append(row)
        if row.get("workshop"):
            label = " · ".join(str(part) for part in (row["workshop"], row.get("workshop_name")) if part)
            groups.setdefault(("workshop", label), {}).setdefault(person, []).append(row)
            codes[label] = str(row["workshop"])

    def stage(code: str | None) -> str:
        return catalogue.stage(code).name if code else not_started

    summary: list[dict[str, Any]] = []
    for (group, name), people in sorted(groups.items(), key=lambda item: (item[0][0] != "city", item[0][1])):
        combined = group_results(catalogue, [latest_answers(answers) for answers in people.values()], min_group_size=1)
        before = (earlier or {}).get(codes.get(name, "")) if group == "workshop" else None
        then, then_label = None, ""
        if before:
            earlier_people: dict[str, list[Mapping[str, Any]]] = {}
            for row in before:
                if catalogue.has_action(str(row.get("action_code", ""))):
                    earlier_people.setdefault(str(row.get("participant", "")), []).append(row)
            then = group_results(catalogue, [latest_answers(a) for a in earlier_people.values()], min_group_size=1)
            first = before[0]
            then_label = " · ".join(str(part) for part in (first.get("workshop"), first.get("workshop_name")) if part)
        for area in catalogue.areas:
            state = combined.areas[area.code]
            past = then.areas[area.code] if then is not None else None
            comparison = {
                "earlier_workshop": then_label,
                "earlier_respondents": past.respondents if past is not None else None,
                "earlier_median_stage": stage(past.median) if past is not None and past.respondents else "",
                "earlier_lowest_stage": stage(past.lowest) if past is not None and past.respondents else "",
                "earlier_highest_stage": stage(past.highest) if past is not None and past.respondents else "",
            }
            summary.append(
                {
                    "group": group,
                    "name": name,
                    "participants": len(people),
                    "area": area.code,
                    "area_title": area.title,
                    "respondents": state.respondents,
                    "unsure": state.unsure,
                    "median_stage": stage(state.median) if state.respondents else "",
                    "lowest_stage": stage(state.lowest) if state.respondents else "",
                    "highest_stage": stage(state.highest) if state.respondents else "",
                    "next_actions": ", ".join(f"{step.action.code} ({step.count})" for step in state.next_steps),
                    **comparison,
                }
            )
    return summary


def stage_rows(
    rows: Iterable[Mapping[str, Any]], *, catalogue: Catalogue, not_started: str = "", not_sure: str = ""
) -> list[dict[str, Any]]:
    """One row per participant and area they answered: the stage their latest answers give, or "not sure".

    A participant's answers count per workshop (or, outside workshops, per city), as the Summary
    groups them; the stage is :func:`catalogue.group_results.area_said`'s, the room's own reading.
    """
    people: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        if catalogue.has_action(str(row.get("action_code", ""))):
            key = (str(row.get("participant", "")), str(row.get("workshop") or ""), str(row.get("city") or ""))
            people.setdefault(key, []).append(row)
    stages = {area.code: [None, *(s.code for s in catalogue.stages_of(area.code))] for area in catalogue.areas}
    result: list[dict[str, Any]] = []
    for (participant, workshop, city), answered in people.items():
        latest = latest_answers(answered)
        last = max(answered, key=lambda row: _moment(row.get("answered_at")))
        for area in catalogue.areas:
            said, position = area_said(catalogue, area.code, latest)
            if said == Said.NOTHING:
                continue
            in_area = [row for row in answered if row.get("area") == area.code]
            stage = stages[area.code][position] if said == Said.STAGE else None
            name = {Said.STAGE: catalogue.stage(stage).name if stage else not_started, Said.UNSURE: not_sure}
            result.append(
                {
                    "participant": participant,
                    "name": last.get("name", ""),
                    "role": last.get("role", ""),
                    "city": city,
                    "workshop": workshop,
                    "area": area.code,
                    "area_title": area.title,
                    "said": str(said),
                    "stage": stage or "",
                    "stage_name": name.get(said, ""),
                    "implied": any(bool(row.get("implied")) for row in in_area),
                    "answered_at": max((row.get("answered_at") for row in in_area), key=_moment, default=None),
                }
            )
    return result


def latest_answers(rows: Iterable[Mapping[str, Any]]) -> dict[str, Answer]:
    """One participant's current answer per action: the most recently answered row wins."""
    ordered = sorted(rows, key=lambda row: _moment(row.get("answered_at")))
    return {str(row["action_code"]): Answer(row["answer"]) for row in ordered}


def _moment(value: Any) -> str:
    if isinstance(value, datetime):
        return iso_utc(value)
    return str(value or "")


def catalogue_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Every action of the catalogue with its domain, area and stage, in catalogue order."""
    return [
        {
            "code": action.code,
            "domain": action.domain,
            "domain_name": catalogue.domain(action.domain).name,
            "area": action.area,
            "area_title": catalogue.area(action.area).title,
            "stage": action.stage,
            "stage_name": catalogue.stage(action.stage).name,
            "title": action.title,
        }
        for action in catalogue.actions
    ]


def xlsx_bytes(
    rows: Sequence[Mapping[str, Any]],
    *,
    catalogue: Catalogue,
    not_started: str = "",
    not_sure: str = "",
    earlier: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    sheets: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """An Excel workbook: the Answers sheet (typed cells, frozen header, filters), Summary, Stages and Catalogue.

    ``sheets`` and ``headers`` name sheets and columns in the reader's language (field names where missing).
    """
    from openpyxl import Workbook  # about 0.2 s to import: only when a workbook is written

    names = _sheet_names(sheets or {})
    labels = dict(headers or {})
    workbook = Workbook(write_only=True)
    answers = workbook.create_sheet(names["answers"])
    _table(answers, ANSWER_COLUMNS, rows, labels)
    summary = workbook.create_sheet(names["summary"])
    summary_columns = tuple(
        Column(name, int if name in COUNT_FIELDS else str, 36 if name == "area_title" else 14)
        for name in SUMMARY_FIELDS
    )
    summary_data = summary_rows(rows, catalogue=catalogue, not_started=not_started, earlier=earlier)
    _table(summary, summary_columns, summary_data, labels)
    stages = workbook.create_sheet(names["stages"])
    staged = stage_rows(rows, catalogue=catalogue, not_started=not_started, not_sure=not_sure)
    _table(stages, STAGE_COLUMNS, staged, labels)
    sheet = workbook.create_sheet(names["catalogue"])
    widths = {"title": 80, "area_title": 36, "domain_name": 24}
    columns = tuple(Column(name, str, widths.get(name, 8)) for name in CATALOGUE_FIELDS)
    _table(sheet, columns, catalogue_rows(catalogue), labels)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


SHEETS = {"answers": "Answers", "summary": "Summary", "stages": "Stages", "catalogue": "Catalogue"}
"""The workbook's sheets, by key, with their names when no language names them."""
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
"""Characters Excel refuses in a sheet name (which is also at most 31 characters)."""


def _sheet_names(names: Mapping[str, str]) -> dict[str, str]:
    """Each sheet's name in the reader's language, made one Excel takes (distinct, at most 31 characters)."""
    chosen: dict[str, str] = {}
    for key, default in SHEETS.items():
        name = SHEET_NAME_FORBIDDEN.sub(" ", names.get(key, default)).strip()[:31] or default
        chosen[key] = name if name.casefold() not in {n.casefold() for n in chosen.values()} else default
    return chosen


def _table(
    sheet: Any, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], labels: Mapping[str, str] | None = None
) -> None:
    """Write a header and rows into a write-only sheet: bold frozen header, filters, widths, typed cells.

    ``labels`` gives the header of each field in the reader's language (the field name where missing).
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=(labels or {}).get(column.name, column.name))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column, row.get(column.name)) for column in columns])
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"


def _xlsx_cell(sheet: Any, column: Column, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if value is None or value == "":
        return None
    if column.kind is datetime and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ILLEGAL_XML.sub("", value)
    if column.kind is datetime and isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value)
        cell.number_format = DATE_FORMAT
        return cell
    if column.kind in (int, bool) and isinstance(value, column.kind):
        return value
    text = ILLEGAL_XML.sub("", str(value))
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # text, never a formula
    return cell
