"""Appendix statistics tables: tab-separated blocks -> re-joined, sum-checked ``Table`` records.

Report quirks handled here:
- every table is printed in two halves on two pages; the second half follows a
  ``單位：… / Unit: …`` line, has no row labels (or an empty label column) and is
  re-joined to the first half by row order;
- headers are one or two rows; a group header spans the empty cells to its right
  (``總計 Total⇥⇥`` over ``註冊 Applicants⇥通關 Users``);
- a group can continue across the page break, printed in Chinese on the first
  page and in English on the second (``年滿十五歲以上…`` / ``15 Years Old and Above…``);
- values are ``1,234``, ``-``/``—`` (none) or percentages.
Totals (a 總計/合計 row, a total column or group, 計 Sub-Total inside a group) are
re-added; a failure usually means a mis-join and is recorded in ``Table.sum_mismatches``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.appendix_text import clean_cell, has_cjk, join_bilingual, split_bilingual, strip_heading
from ingest.records import Table, TableRow

_VALUE = re.compile(r"^(?:[-—–]|\d[\d,]*(?:\.\d+)?%?)$")
_INT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)$")
_DASH = {"-", "—", "–"}
_TOTAL_ZH = {"合計", "總計", "計", "小計"}
_TOTAL_EN = {"total", "sub-total", "subtotal"}
_UNIT_ZH = re.compile(r"^單位\s*[：:]\s*(.*)$")
_UNIT_EN = re.compile(r"^Unit\s*[：:]\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnHead:
    """One column's header: ``group`` (top header row, carried over spans) and ``sub`` (second row)."""

    group: str
    sub: str
    half: int  # 0 = first page of the table, 1 = continuation

    @property
    def name(self) -> str:
        return f"{self.group} / {self.sub}" if self.sub else self.group


@dataclass
class _Half:
    heads: list[ColumnHead]
    labels: list[tuple[str, str]]  # (zh, en); empty for continuation halves
    rows: list[list[str]]
    label_header: str
    line_start: int
    line_end: int


@dataclass
class _Draft:
    title_zh: str
    title_en: str
    title_line: int
    halves: list[_Half] = field(default_factory=list)
    unit_zh: str = ""
    unit_en: str = ""


@dataclass(frozen=True)
class ParsedTables:
    """What :func:`parse_tables` found: tables, problems, and where the first title starts."""

    tables: list[Table]
    problems: list[str]
    first_title_index: int | None  # 0-based line of the first table title (lines before are captions)


def is_total_name(name: str) -> bool:
    """True for 合計/總計/計/小計 or Total/Sub-Total headers and row labels."""
    zh, en = split_bilingual(name)
    return zh in _TOTAL_ZH or en.lower().replace(" ", "") in _TOTAL_EN


def is_rate_name(name: str) -> bool:
    """Percentage columns are never summed."""
    return "%" in name or "比率" in name or "rate" in name.lower()


def parse_number(value: str) -> int | None:
    """``"1,234"`` -> 1234, ``"-"``/``"—"`` -> 0; anything else (blank, decimals, text) -> None."""
    v = value.strip()
    if v in _DASH:
        return 0
    if _INT.match(v):
        return int(v.replace(",", ""))
    return None


def _is_value(cell: str) -> bool:
    return bool(_VALUE.match(cell.strip()))


def _cells(line: str) -> list[str]:
    return [clean_cell(c) for c in line.split("\t")]


def _bilingual(cell: str) -> str:
    return join_bilingual(*split_bilingual(cell)) if cell else ""


def _parse_half(block: list[tuple[int, list[str]]], half: int, has_label: bool) -> _Half:
    """Turn one tab block into column heads and rows; ``has_label``: column 0 holds row labels."""
    n_header = 0
    for _, cells in block:
        if any(_is_value(c) for c in cells):
            break
        n_header += 1
    header = [cells for _, cells in block[:n_header]]
    data = [cells for _, cells in block[n_header:]]
    label_header = ""
    labels: list[tuple[str, str]] = []
    if has_label:
        label_header = _bilingual(header[0][0]) if header else ""
        labels = [split_bilingual(r[0]) for r in data]
        header = [h[1:] for h in header]
        data = [r[1:] for r in data]
    elif data and all(r[0] == "" for r in data):
        # Continuation half printed with an empty label column.
        header = [h[1:] for h in header]
        data = [r[1:] for r in data]
    width = max([len(r) for r in header + data] or [0])
    header = [h + [""] * (width - len(h)) for h in header]
    data = [r + [""] * (width - len(r)) for r in data]

    # Drop trailing/stray columns with neither header text nor data.
    keep = [j for j in range(width) if any(h[j] for h in header) or any(r[j] for r in data)]
    heads: list[ColumnHead] = []
    carried = [""] * max(len(header) - 1, 0)
    for j in range(width):
        groups = []
        for i, h in enumerate(header[:-1]):
            if h[j]:
                carried[i] = h[j]
            groups.append(carried[i])
        sub = header[-1][j] if header else ""
        group = " / ".join(_bilingual(g) for g in groups if g)
        sub = _bilingual(sub)
        if not group:
            group, sub = sub, ""
        if j in keep:
            heads.append(ColumnHead(group=group, sub=sub, half=half))
    rows = [[r[j] for j in keep] for r in data]
    return _Half(
        heads=heads,
        labels=labels,
        rows=rows,
        label_header=label_header,
        line_start=block[0][0] + 1,
        line_end=block[-1][0] + 1,
    )


@dataclass(frozen=True)
class Block:
    """One labelled tab-separated block: column heads, (zh, en) row labels, rows of cells, label header."""

    heads: tuple[ColumnHead, ...]
    labels: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, ...], ...]
    label_header: str


def parse_block(lines: list[str], start: int, end: int) -> Block:
    """Parse ``lines[start:end]`` (0-based) as one table block whose first column holds row labels.

    Public entry for tables printed outside the appendix (``ingest.narrative_tables``); same header
    and group-span rules as the appendix halves.
    """
    h = _parse_half([(i, _cells(lines[i])) for i in range(start, end)], 0, has_label=True)
    return Block(tuple(h.heads), tuple(h.labels), tuple(tuple(r) for r in h.rows), h.label_header)


def _merge_split_groups(heads: list[ColumnHead]) -> list[ColumnHead]:
    """Join a group printed in Chinese on page 1 and in English on page 2 into one bilingual group."""
    out = list(heads)
    for k in range(1, len(out)):
        a, b = out[k - 1], out[k]
        if a.half == b.half or not (a.sub and b.sub):
            continue
        if has_cjk(a.group) and not re.search(r"[A-Za-z]", a.group) and not has_cjk(b.group):
            merged = f"{a.group} {b.group}"
            old_a, old_b = a.group, b.group
            for j in range(k - 1, -1, -1):
                if out[j].half != a.half or out[j].group != old_a:
                    break
                out[j] = ColumnHead(merged, out[j].sub, out[j].half)
            for j in range(k, len(out)):
                if out[j].half != b.half or out[j].group != old_b:
                    break
                out[j] = ColumnHead(merged, out[j].sub, out[j].half)
    return out


# ---------------------------------------------------------------- sum checks


@dataclass(frozen=True)
class _Unit:
    """A top-level header unit: one single column, or a group of sub-columns."""

    name: str
    cols: tuple[int, ...]
    subs: tuple[str, ...]  # "" for a single column
    half: int

    @property
    def is_group(self) -> bool:
        return bool(self.subs[0])


def _units(heads: list[ColumnHead]) -> list[_Unit]:
    units: list[_Unit] = []
    for j, h in enumerate(heads):
        last = units[-1] if units else None
        if h.sub and last is not None and last.is_group and last.name == h.group:
            units[-1] = _Unit(last.name, last.cols + (j,), last.subs + (h.sub,), last.half)
        else:
            units.append(_Unit(h.group, (j,), (h.sub,), h.half))
    return units


def _sub_total_col(u: _Unit) -> int | None:
    for c, s in zip(u.cols, u.subs, strict=True):
        if is_total_name(s):
            return c
    return None


def _parts_cols(u: _Unit) -> list[int]:
    """Columns whose sum is the unit's total (its total sub-column if any, else its non-rate columns)."""
    if not u.is_group:
        return [u.cols[0]]
    t = _sub_total_col(u)
    if t is not None:
        return [t]
    return [c for c, s in zip(u.cols, u.subs, strict=True) if not is_rate_name(s)]


def _sum(values: list[str], cols: list[int]) -> int | None:
    total = 0
    for c in cols:
        n = parse_number(values[c])
        if n is None:
            return None
        total += n
    return total


def _check(
    rows: list[TableRow], total_col: int, part_cols: list[int], what: str, table_id: str
) -> list[str] | None:
    """Compare ``total_col`` with the sum of ``part_cols`` in every row; None when nothing is computable."""
    if not part_cols:
        return None
    out: list[str] = []
    checked = 0
    for r in rows:
        t = parse_number(r.cells[total_col])
        s = _sum(list(r.cells), part_cols)
        if t is None or s is None:
            continue
        checked += 1
        if t != s:
            out.append(
                f"{table_id} row '{join_bilingual(r.label_zh, r.label_en)}': {what} printed {t:,}, parts sum to {s:,}"
            )
    return out if checked else None


def check_sums(table_id: str, heads: list[ColumnHead], rows: list[TableRow]) -> tuple[list[str], int]:
    """Re-add every total the table prints; returns (mismatch descriptions, number of checks run)."""
    mismatches: list[str] = []
    n_checks = 0
    names = [h.name for h in heads]

    # 1. Total row (總計 Total) = sum of the other rows, per column.
    total_rows = [i for i, r in enumerate(rows) if is_total_name(join_bilingual(r.label_zh, r.label_en))]
    if total_rows:
        ti = total_rows[-1]
        others = [r for i, r in enumerate(rows) if i != ti]
        for j, name in enumerate(names):
            if is_rate_name(name):
                continue
            t = parse_number(rows[ti].cells[j])
            parts = [parse_number(r.cells[j]) for r in others]
            if t is None or any(p is None for p in parts):
                continue
            n_checks += 1
            s = sum(p for p in parts if p is not None)
            if s != t:
                mismatches.append(f"{table_id} total row, column '{name}': printed {t:,}, rows sum to {s:,}")

    units = _units(heads)
    # 2. Inside a group: 計 Sub-Total = the group's other (non-rate) columns.
    for u in units:
        if not u.is_group:
            continue
        t = _sub_total_col(u)
        if t is None:
            continue
        parts = [c for c, s in zip(u.cols, u.subs, strict=True) if c != t and not is_rate_name(s)]
        res = _check(rows, t, parts, f"'{names[t]}'", table_id)
        if res is not None:
            n_checks += 1
            mismatches.extend(res)

    # 3. Table total column/group = the other top-level units, either on the same page or across the
    #    whole (re-joined) width; the scope with fewer mismatches is reported.
    total_unit = next((u for u in units if is_total_name(u.name)), None)
    if total_unit is not None:
        others_all = [u for u in units if u is not total_unit and not is_rate_name(u.name)]
        others_page = [u for u in others_all if u.half == total_unit.half]
        best: list[str] | None = None
        for scope in [others_page, others_all] if others_page != others_all else [others_all]:
            res = _check_total_unit(table_id, total_unit, scope, rows, names)
            if res is not None and (best is None or len(res) < len(best)):
                best = res
            if best == []:
                break
        if best is not None:
            n_checks += 1
            mismatches.extend(best)
    return mismatches, n_checks


def _check_total_unit(
    table_id: str, total: _Unit, scope: list[_Unit], rows: list[TableRow], names: list[str]
) -> list[str] | None:
    if not scope:
        return None
    if not total.is_group:
        parts = [c for u in scope for c in _parts_cols(u)]
        return _check(rows, total.cols[0], parts, f"'{names[total.cols[0]]}'", table_id)
    results: list[str] | None = None
    for col, sub in zip(total.cols, total.subs, strict=True):
        if is_rate_name(sub):
            continue
        sub_is_total = is_total_name(sub)
        parts: list[int] = []
        for u in scope:
            if not u.is_group:
                if not sub_is_total:
                    parts = []
                    break
                parts.append(u.cols[0])
                continue
            match = [
                c
                for c, s in zip(u.cols, u.subs, strict=True)
                if s == sub or (sub_is_total and is_total_name(s))
            ]
            if match:
                parts.append(match[0])
            elif sub_is_total:
                parts.extend(_parts_cols(u))
            else:
                parts = []
                break
        res = _check(rows, col, parts, f"'{names[col]}'", table_id)
        if res is not None:
            results = (results or []) + res
    return results


def heads_of(table: Table) -> list[ColumnHead]:
    """Rebuild the column heads of a parsed ``Table`` (for re-running :func:`check_sums`)."""
    pages = table.column_pages or (0,) * len(table.columns)
    groups = table.column_groups or ("",) * len(table.columns)
    heads = []
    for name, group, half in zip(table.columns, groups, pages, strict=True):
        sub = name[len(group) + 3 :] if group else ""
        heads.append(ColumnHead(group or name, sub, half))
    return heads


def check_table(table: Table) -> list[str]:
    """Re-run every total check on a ``Table`` (e.g. after editing its rows)."""
    return check_sums(table.table_id, heads_of(table), list(table.rows))[0]


# ---------------------------------------------------------------- block scanning


def _unit_from(lines: list[str]) -> tuple[str, str] | None:
    zh = en = ""
    found = False
    for raw in lines:
        text = strip_heading(raw)
        m = _UNIT_ZH.match(text)
        if m:
            found = True
            rest = m.group(1)
            m2 = re.search(r"Unit\s*[：:]", rest, re.IGNORECASE)
            if m2:  # "單位：人次 Unit: Passengers" on one line
                zh, en = rest[: m2.start()].strip(), rest[m2.end() :].strip()
            else:
                zh = rest.strip()
            continue
        m = _UNIT_EN.match(text)
        if m:
            found = True
            en = m.group(1).strip()
    return (zh, en) if found else None


def _is_unit_line(line: str) -> bool:
    text = strip_heading(line)
    return bool(_UNIT_ZH.match(text) or _UNIT_EN.match(text))


def _title_from(pending: list[tuple[int, str]]) -> tuple[int, str, str] | None:
    """Last Chinese text line before a block is the zh title; the non-Chinese lines after it are the en title."""
    candidates = [
        k
        for k, (_, line) in enumerate(pending)
        if has_cjk(line) and not _is_unit_line(line) and not line.lstrip().startswith(("- ", "* "))
    ]
    if not candidates:
        return None
    k = candidates[-1]
    idx, line = pending[k]
    en = " ".join(
        strip_heading(ln) for _, ln in pending[k + 1 :] if not _is_unit_line(ln) and ln.strip() != "---"
    )
    return idx, clean_cell(strip_heading(line)), clean_cell(en)


def parse_tables(
    lines: list[str], start: int, end: int, first_number: int = 1, page: int | None = 143
) -> ParsedTables:
    """Parse every tab-separated statistics table in ``lines[start:end]`` (0-based, end exclusive)."""
    problems: list[str] = []
    drafts: list[_Draft] = []
    pending: list[tuple[int, str]] = []
    first_title: int | None = None
    i = start
    while i < end:
        line = lines[i]
        if "\t" not in line:
            if line.strip() and line.strip() != "---":
                pending.append((i, line))
            i += 1
            continue
        block: list[tuple[int, list[str]]] = []
        while i < end and "\t" in lines[i]:
            block.append((i, _cells(lines[i])))
            i += 1
        title = _title_from(pending)
        unit_lines = [ln for _, ln in pending if _is_unit_line(ln)]
        if title is not None and (title[1] or title[2]):
            idx, zh, en = title
            if drafts and unit_lines and not drafts[-1].unit_zh:
                unit = _unit_from(unit_lines)  # unit printed after an unsplit table
                if unit:
                    drafts[-1].unit_zh, drafts[-1].unit_en = unit
            if first_title is None:
                first_title = idx
            draft = _Draft(title_zh=zh, title_en=en, title_line=idx + 1)
            draft.halves.append(_parse_half(block, 0, has_label=True))
            drafts.append(draft)
        elif drafts:
            unit = _unit_from(unit_lines)
            if unit and not drafts[-1].unit_zh:
                drafts[-1].unit_zh, drafts[-1].unit_en = unit
            elif unit is None:
                problems.append(
                    f"line {block[0][0] + 1}: table block without title or unit line; joined to previous"
                )
            drafts[-1].halves.append(_parse_half(block, len(drafts[-1].halves), has_label=False))
        else:
            problems.append(f"line {block[0][0] + 1}: table block without a title; skipped")
        pending = []
    if pending and drafts and not drafts[-1].unit_zh:
        unit = _unit_from([ln for _, ln in pending if _is_unit_line(ln)])
        if unit:
            drafts[-1].unit_zh, drafts[-1].unit_en = unit

    tables = [_build(d, first_number + k, page, problems) for k, d in enumerate(drafts)]
    return ParsedTables(tables=tables, problems=problems, first_title_index=first_title)


def _build(d: _Draft, number: int, page: int | None, problems: list[str]) -> Table:
    table_id = f"table/{number:02d}"
    first = d.halves[0]
    n_rows = len(first.rows)
    heads: list[ColumnHead] = list(first.heads)
    rows = [list(r) for r in first.rows]
    for h in d.halves[1:]:
        if len(h.rows) != n_rows:
            problems.append(
                f"{table_id} ({d.title_zh}): continuation at line {h.line_start} has {len(h.rows)} rows, "
                f"first half has {n_rows}; joined by position"
            )
        heads.extend(h.heads)
        for k in range(n_rows):
            rows[k].extend(h.rows[k] if k < len(h.rows) else [""] * len(h.heads))
    heads = _merge_split_groups(heads)
    table_rows = tuple(
        TableRow(label_zh=zh, label_en=en, cells=tuple(r))
        for (zh, en), r in zip(first.labels, rows, strict=True)
    )
    mismatches, _ = check_sums(table_id, heads, list(table_rows))
    return Table(
        table_id=table_id,
        section_id=f"appendix/tables/{number:02d}",
        title_zh=d.title_zh,
        title_en=d.title_en,
        unit_zh=d.unit_zh,
        unit_en=d.unit_en,
        columns=tuple(h.name for h in heads),
        rows=table_rows,
        page=page,
        was_split=len(d.halves) > 1,
        sum_mismatches=tuple(mismatches),
        row_header=first.label_header,
        column_groups=tuple(h.group if h.sub else "" for h in heads),
        column_pages=tuple(h.half for h in heads),
        line_start=d.title_line,
        line_end=d.halves[-1].line_end,
    )
