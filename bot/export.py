"""Exports for coordinators: every stored answer, one row per answer, as CSV, JSON or Excel.

Rows are plain dicts (field name -> value: ``str``, ``int``, ``bool``; a time as ISO 8601 text, as the
engine gives it, or an aware ``datetime``); this module only turns them into file bytes:

* CSV in UTF-8 with a byte-order mark, so Excel opens accents and non-Latin names correctly;
* JSON, a list of objects with ISO 8601 times;
* XLSX (openpyxl, imported only when one is written): an *Answers* sheet with typed cells, a
  frozen header and filters on, a *Summary* sheet (per city and per workshop, per area: how many
  gave a stage and how many were not sure, the median stage with its spread, and the next steps
  with how many of the area's respondents have each: the room's own figures), the *Stages* sheet
  and the *Catalogue* sheet, all three computed with the rows by
  :func:`conversations.export_rows.answer_export` and only laid out here.

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) are neutralised in CSV with a leading apostrophe (OWASP's advice
against CSV injection); in XLSX they are written as plain text cells, unchanged.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from catalogue import Catalogue
from conversations.messages import AnswerExport, ExportFormat, ExportRow


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
ANSWER_FIELDS = tuple(field.name for field in dataclasses.fields(ExportRow))
"""The Answers' fields: those of :class:`~conversations.messages.ExportRow`, declared there once."""

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
    rows: Sequence[ExportRow],
    fmt: ExportFormat | str,
    *,
    catalogue: Catalogue,
    not_started: str = "",
    not_sure: str = "",
    earlier: Mapping[str, Sequence[ExportRow]] | None = None,
    sheets: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """The answer rows as a file in ``fmt`` (``citybot export``); the sheets' figures come from :func:`answer_export`.

    ``sheets`` and ``headers`` name the workbook's sheets and columns in the reader's language (by sheet
    and by field; the field names where missing); CSV and JSON always use the field names.

    ``not_started`` names "no stage reached" in the Summary and Stages sheets, ``not_sure`` an area
    answered "Not sure" in the Stages sheet (sentences of the texts file); ``earlier`` gives, per
    follow-up workshop's code, the answer rows of the workshop it follows, whose figures the Summary
    puts beside its own.
    """
    from conversations.export_rows import answer_export  # the engine's layer: loaded only when a file is written

    fmt = ExportFormat(fmt)
    export = answer_export(
        rows,
        fmt,
        filename="",
        catalogue=catalogue,
        not_started=not_started,
        not_sure=not_sure,
        earlier=earlier,
        sheets=sheets,
        headers=headers,
    )
    return write_export(export)


def write_export(export: AnswerExport) -> bytes:
    """An export as its file: CSV, JSON, or a workbook of the Answers and the sheets computed with it."""
    fmt = ExportFormat(export.fmt)
    if fmt is ExportFormat.CSV:
        return csv_bytes(export.rows)
    if fmt is ExportFormat.JSON:
        return json_bytes(export.rows)
    return xlsx_bytes(export)


def csv_bytes(rows: Iterable[ExportRow], fields: Sequence[str] = ANSWER_FIELDS) -> bytes:
    """CSV in UTF-8 with a byte-order mark, header first, formula-like text neutralised."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_cell(getattr(row, field)) for field in fields])
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


def json_bytes(rows: Iterable[ExportRow], fields: Sequence[str] = ANSWER_FIELDS) -> bytes:
    """A JSON list of objects, one per row, with every field, times in ISO 8601 UTC."""
    objects = [{field: json_value(getattr(row, field)) for field in fields} for row in rows]
    return (json.dumps(objects, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def json_value(value: Any) -> Any:
    return iso_utc(value) if isinstance(value, datetime) else value


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, to the second; a naive time is taken to be UTC already."""
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC).isoformat(timespec="seconds")


def xlsx_bytes(export: AnswerExport) -> bytes:
    """An Excel workbook: the Answers sheet (typed cells, frozen header, filters), Summary, Stages and Catalogue.

    The export's ``sheets`` and ``headers`` name sheets and columns in the reader's language (field names
    where missing).
    """
    from openpyxl import Workbook  # about 0.2 s to import: only when a workbook is written

    names = _sheet_names(dict(export.sheets))
    labels = dict(export.headers)
    workbook = Workbook(write_only=True)
    answers = workbook.create_sheet(names["answers"])
    _table(answers, ANSWER_COLUMNS, export.rows, labels)
    summary = workbook.create_sheet(names["summary"])
    summary_columns = tuple(
        Column(name, int if name in COUNT_FIELDS else str, 36 if name == "area_title" else 14)
        for name in SUMMARY_FIELDS
    )
    _table(summary, summary_columns, export.summary, labels)
    stages = workbook.create_sheet(names["stages"])
    _table(stages, STAGE_COLUMNS, export.stages, labels)
    sheet = workbook.create_sheet(names["catalogue"])
    widths = {"title": 80, "area_title": 36, "domain_name": 24}
    columns = tuple(Column(name, str, widths.get(name, 8)) for name in CATALOGUE_FIELDS)
    _table(sheet, columns, export.actions, labels)
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
    sheet: Any,
    columns: Sequence[Column],
    rows: Iterable[ExportRow | Mapping[str, Any]],
    labels: Mapping[str, str] | None = None,
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
        if isinstance(row, Mapping):
            sheet.append([_xlsx_cell(sheet, column, row.get(column.name)) for column in columns])
        else:
            sheet.append([_xlsx_cell(sheet, column, getattr(row, column.name)) for column in columns])
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
