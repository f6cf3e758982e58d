"""Answer exports as files: CSV for Excel, JSON and XLSX, each read back with a real reader."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.export import (
    ANSWER_COLUMNS,
    ANSWER_FIELDS,
    CATALOGUE_FIELDS,
    CSV_BOM,
    SUMMARY_FIELDS,
    csv_bytes,
    export_bytes,
    json_bytes,
)
from catalogue import Answer, Catalogue, answers_for_stage
from conversations.export_rows import latest_answers, summary_rows
from conversations.messages import ExportFormat, ExportRow

START = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def row(catalogue: Catalogue, code: str, answer: str = "done", **fields: Any) -> ExportRow:
    """One answer row as the engine reads it out."""
    action = catalogue.action(code)
    base: dict[str, Any] = {
        "city": "Gent",
        "participant": "P-7K2QX",
        "name": "",
        "role": "Resilience officer",
        "workshop": "",
        "workshop_name": "",
        "assessment": 1,
        "assessment_kind": "full",
        "round": 1,
        "domain": action.domain,
        "area": action.area,
        "area_title": catalogue.area(action.area).title,
        "stage": action.stage,
        "stage_name": catalogue.stage(action.stage).name,
        "action_code": code,
        "action_title": action.title,
        "answer": answer,
        "implied": False,
        "note": "",
        "answered_at": START,
    }
    return ExportRow(**(base | fields))


def checkin_rows(catalogue: Catalogue, area: str, stage: str | None, **fields: Any) -> list[ExportRow]:
    return [
        row(catalogue, code, str(value), assessment_kind="checkin", implied=True, **fields)
        for code, value in answers_for_stage(catalogue, area, stage).items()
    ]


@pytest.fixture
def rows(catalogue: Catalogue) -> list[ExportRow]:
    return [
        row(catalogue, "L1S1", note='=HYPERLINK("http://evil")', name="Zoë Ünal", participant="P-AAAAA"),
        row(catalogue, "L1S2", "not_yet", note="Budget, 2027;\nsecond line", participant="P-AAAAA"),
        row(catalogue, "P1S1", "in_progress", city="São Paulo", participant="P-BBBBB", note="+31 6 1234", assessment=2),
        row(catalogue, "P1S2", "unknown", city="São Paulo", participant="P-BBBBB", note="-", assessment=2),
        *checkin_rows(
            catalogue, "L1", "M", participant="P-CCCCC", workshop="k7m2qp", workshop_name="Gent, spring", assessment=3
        ),
    ]


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(CSV_BOM.encode("utf-8"))  # Excel needs the BOM to read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_reads_back_every_field_of_every_row(rows: list[ExportRow]) -> None:
    back = read_csv(csv_bytes(rows))
    assert len(back) == len(rows)
    assert tuple(back[0]) == ANSWER_FIELDS
    for original, read in zip(rows, back, strict=True):
        assert read["action_code"] == original.action_code
        assert read["answer"] == original.answer
        assert read["assessment"] == str(original.assessment)
        assert read["implied"] == ("true" if original.implied else "false")
        assert datetime.fromisoformat(read["answered_at"]) == original.answered_at
    assert back[0]["name"] == "Zoë Ünal" and back[2]["city"] == "São Paulo"
    assert back[1]["note"] == "Budget, 2027;\nsecond line"


@pytest.mark.parametrize("text", ["=1+1", "+31 6 1234", "-", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_formulas(catalogue: Catalogue, text: str) -> None:
    [read] = read_csv(csv_bytes([row(catalogue, "L1S1", note=text, city=text)]))
    assert read["note"] == read["city"] == "'" + text


def test_csv_keeps_ordinary_text_as_it_is(catalogue: Catalogue) -> None:
    [read] = read_csv(csv_bytes([row(catalogue, "L1S1", note="a-b =c 'quoted'", city="Kraków")]))
    assert (read["note"], read["city"]) == ("a-b =c 'quoted'", "Kraków")


def test_json_reads_back_exactly(rows: list[ExportRow]) -> None:
    back = json.loads(json_bytes(rows))
    assert [list(item) for item in back] == [list(ANSWER_FIELDS)] * len(rows)
    for original, read in zip(rows, back, strict=True):
        assert {k: v for k, v in read.items() if k != "answered_at"} == {
            k: v for k, v in dataclasses.asdict(original).items() if k != "answered_at"
        }
        assert read["answered_at"] == "2026-11-30T09:15:00+00:00"
    assert back[0]["note"] == '=HYPERLINK("http://evil")'  # JSON is data, not a spreadsheet


def test_empty_exports_have_their_header(catalogue: Catalogue) -> None:
    assert read_csv(csv_bytes([])) == []
    assert csv_bytes([]).decode("utf-8-sig").strip() == ",".join(ANSWER_FIELDS)
    assert json.loads(json_bytes([])) == []
    workbook = load_workbook(io.BytesIO(export_bytes([], "xlsx", catalogue=catalogue)))
    assert [c.value for c in workbook["Answers"][1]] == list(ANSWER_FIELDS)
    assert workbook["Answers"].max_row == 1


def test_xlsx_answers_sheet_has_typed_cells_a_frozen_header_and_filters(
    catalogue: Catalogue, rows: list[ExportRow]
) -> None:
    workbook = load_workbook(io.BytesIO(export_bytes(rows, "xlsx", catalogue=catalogue)))
    assert workbook.sheetnames == ["Answers", "Summary", "Stages", "Catalogue"]
    sheet = workbook["Answers"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:T{len(rows) + 1}"
    header = [cell.value for cell in sheet[1]]
    assert header == list(ANSWER_FIELDS)
    assert all(cell.font.bold for cell in sheet[1])
    back = [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(back) == len(rows)
    for original, read in zip(rows, back, strict=True):
        assert isinstance(read["assessment"], int) and read["assessment"] == original.assessment
        assert isinstance(read["implied"], bool) and read["implied"] == original.implied
        assert read["answered_at"] == original.answered_at.replace(tzinfo=None)  # Excel times have no zone: UTC
        for field in ("city", "participant", "action_code", "action_title", "answer", "area_title", "stage_name"):
            assert read[field] == getattr(original, field)
        assert (read["note"] or "") == original.note
    formula = sheet.cell(row=2, column=ANSWER_FIELDS.index("note") + 1)
    assert formula.data_type == "s" and formula.value == '=HYPERLINK("http://evil")'  # text, never run
    assert back[3]["note"] == "-"


def test_xlsx_catalogue_sheet_lists_every_action(catalogue: Catalogue) -> None:
    sheet = load_workbook(io.BytesIO(export_bytes([], "xlsx", catalogue=catalogue)))["Catalogue"]
    assert [c.value for c in sheet[1]] == list(CATALOGUE_FIELDS)
    codes = [values[0] for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == [action.code for action in catalogue.actions]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:H{len(catalogue.actions) + 1}"


def test_xlsx_drops_control_characters_it_cannot_hold(catalogue: Catalogue) -> None:
    data = export_bytes([row(catalogue, "L1S1", note="bell\x07 and nul\x00 end")], "xlsx", catalogue=catalogue)
    sheet = load_workbook(io.BytesIO(data))["Answers"]
    assert sheet.cell(row=2, column=ANSWER_FIELDS.index("note") + 1).value == "bell and nul end"


def test_the_summary_combines_each_city_and_workshop(catalogue: Catalogue) -> None:
    people = {"P-1": "S", "P-2": "M", "P-3": "A"}
    rows = [
        answer
        for person, stage in people.items()
        for answer in checkin_rows(
            catalogue, "L1", stage, participant=person, workshop="ws1" if person != "P-3" else "", workshop_name="Day 1"
        )
    ]
    summary = summary_rows(rows, catalogue=catalogue, not_started="not started")
    assert tuple(summary[0]) == SUMMARY_FIELDS
    by_group = {(r["group"], r["name"], r["area"]): r for r in summary}
    gent = by_group[("city", "Gent", "L1")]
    assert (gent["participants"], gent["respondents"]) == (3, 3)
    assert (gent["median_stage"], gent["lowest_stage"], gent["highest_stage"]) == ("Moderate", "Starting", "Advanced")
    workshop = by_group[("workshop", "ws1 · Day 1", "L1")]
    assert (workshop["respondents"], workshop["median_stage"], workshop["highest_stage"]) == (2, "Starting", "Moderate")
    assert by_group[("city", "Gent", "P1")]["respondents"] == 0
    assert by_group[("city", "Gent", "P1")]["median_stage"] == ""
    # each next step counted among L1's respondents: Starting has Moderate's five next, Moderate Advanced's two...
    assert gent["next_actions"] == "L1M1 (1), L1M2 (1), L1M3 (1), L1M4 (1), L1M5 (1), L1A1 (1), L1A2 (1), L1R1 (1)"
    assert gent["unsure"] == 0
    assert [r["group"] for r in summary] == ["city"] * 10 + ["workshop"] * 10  # cities first


def test_the_summary_uses_each_participants_latest_answer(catalogue: Catalogue) -> None:
    later = START + timedelta(days=1)
    rows = [
        *checkin_rows(catalogue, "L4", "M", participant="P-1"),
        row(catalogue, "L4S1", "not_yet", participant="P-1", assessment=2, answered_at=later),
    ]
    assert latest_answers(rows)["L4S1"] == Answer.NOT_YET
    [l4] = [r for r in summary_rows(rows, catalogue=catalogue, not_started="none") if r["area"] == "L4"]
    assert (l4["respondents"], l4["median_stage"]) == (1, "none")


def test_xlsx_summary_sheet_matches_the_summary_rows(catalogue: Catalogue, rows: list[ExportRow]) -> None:
    sheet = load_workbook(io.BytesIO(export_bytes(rows, "xlsx", catalogue=catalogue, not_started="not started")))[
        "Summary"
    ]
    header = [c.value for c in sheet[1]]
    back = [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    expected = summary_rows(rows, catalogue=catalogue, not_started="not started")
    assert [{k: v or "" for k, v in r.items()} for r in back] == [{k: v or "" for k, v in r.items()} for r in expected]
    assert isinstance(back[0]["respondents"], int)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_bytes_in_each_format(catalogue: Catalogue, rows: list[ExportRow], fmt: ExportFormat) -> None:
    data = export_bytes(rows, fmt, catalogue=catalogue)
    readers = {
        ExportFormat.CSV: lambda: len(read_csv(data)),
        ExportFormat.JSON: lambda: len(json.loads(data)),
        ExportFormat.XLSX: lambda: load_workbook(io.BytesIO(data))["Answers"].max_row - 1,
    }
    assert readers[fmt]() == len(rows)
    assert fmt.media_type


def test_an_unknown_format_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="pdf"):
        export_bytes([], "pdf", catalogue=catalogue)


def test_the_answers_sheet_lays_out_exactly_the_fields_of_an_export_row() -> None:
    """The rows' fields are declared once (``ExportRow``); the writers' columns may only lay them out."""
    assert tuple(column.name for column in ANSWER_COLUMNS) == ANSWER_FIELDS
    assert tuple(field.name for field in dataclasses.fields(ExportRow)) == ANSWER_FIELDS
