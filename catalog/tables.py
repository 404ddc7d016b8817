"""Reading and writing the CSV/XLSX files sellers keep their catalog in.

Real files come from Excel in many locales: UTF-8 with or without a BOM,
Latin-1/Windows-1252, comma or semicolon or tab delimiters, quoted cells with
newlines inside. `table_read` accepts all of them and remembers the file line
each record starts on, so a bad row is reported with the line the seller sees.
Exports escape cells a spreadsheet would run as a formula (OWASP CSV
injection): a leading = + - @ gets a ' in front; imports take it off again.
"""

import csv
import io
import re
from dataclasses import dataclass, field

import tablib
from import_export.formats import base_formats

FORMULA_START = ("=", "+", "-", "@")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
DELIMITERS = (",", ";", "\t", "|")


class TableError(ValueError):
    """The file as a whole cannot be read (empty, not a table, wrong type)."""


@dataclass
class Table:
    dataset: tablib.Dataset
    lines: list[int] = field(default_factory=list)  # file line of each data row
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    def line_of(self, row_number: int) -> int:
        """File line of the 1-based data row `row_number`."""
        return self.lines[row_number - 1] if 0 < row_number <= len(self.lines) else row_number + 1


def header_normalize(name) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def cell_unescape(value):
    """Undo the export's formula escape: "'=SUM(1)" back to "=SUM(1)"."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def cell_escape(value):
    """Prefix a formula-looking cell with ' so spreadsheets show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.match(value):
        return "'" + value
    return value


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("The file's text encoding is not UTF-8 or Latin-1.")  # unreachable


def _delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent candidate outside quotes."""
    header = text.split("\n", 1)[0]
    header = re.sub(r'"[^"]*"', "", header)
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _table(rows: list[tuple[int, list]]) -> Table:
    """Header from the first row; blank rows dropped; cells stripped and unescaped."""
    if not rows:
        raise TableError("The file is empty.")
    _, header = rows[0]
    headers = [header_normalize(h) for h in header]
    if not any(headers):
        raise TableError("The first row must name the columns.")
    duplicates = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicates:
        raise TableError(f"Column(s) named twice: {', '.join(duplicates)}")
    width = len(headers)
    dataset = tablib.Dataset(headers=headers)
    lines, problems = [], []
    for line, values in rows[1:]:
        cells = ["" if v is None else v for v in values]
        if all(str(c).strip() == "" for c in cells):
            continue
        cells = [cell_unescape(c.strip() if isinstance(c, str) else c) for c in cells]
        extra = [c for c in cells[width:] if str(c).strip()]
        if extra:
            # Usually an unquoted delimiter inside a cell: the row is misaligned.
            problems.append((line, f"{len(cells)} cells but the header names {width} columns"))
        dataset.append((cells + [""] * width)[:width])
        lines.append(line)
    # The resource reports bad rows by these file lines (see CatalogResource).
    dataset.file_lines = lines
    return Table(dataset, lines, problems)


def table_read(raw: bytes, filename: str = "") -> Table:
    """Read a CSV or XLSX upload into a dataset, with the file line of every row."""
    if filename.lower().endswith(".xlsx") or raw[:2] == b"PK":
        return _xlsx_read(raw)
    text = _decode(raw)
    if not text.strip():
        raise TableError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows, line = [], 1
    try:
        for record in reader:
            rows.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(f"Line {line}: {exc}") from exc
    return _table(rows)


def _xlsx_read(raw: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TableError(f"Not a readable XLSX file: {exc}") from exc
    sheet = book.worksheets[0]
    rows = [(i, list(row)) for i, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    book.close()
    return _table(rows)


class _Escaping:
    def export_data(self, dataset, **kwargs):
        escaped = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            escaped.append([cell_escape(cell) for cell in row])
        return escaped.export(self.get_title(), **kwargs)


class SellerCSV(_Escaping, base_formats.CSV):
    """CSV in any common encoding and delimiter, formula-safe on export."""

    def is_binary(self):
        return True  # we decode ourselves (UTF-8, BOM, Latin-1)

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        raw = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        return table_read(raw, "upload.csv").dataset


class SellerXLSX(_Escaping, base_formats.XLSX):
    def create_dataset(self, in_stream, **kwargs):
        return table_read(in_stream, "upload.xlsx").dataset


FORMATS = [SellerCSV, SellerXLSX]
