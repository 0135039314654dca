"""Where files sit in the inbox, files that are not submissions, resent files, oversized files."""

from __future__ import annotations

from collections.abc import Iterator

from auxwatch.corpus.base import BaseTable, check_char
from auxwatch.corpus.helpers import all_loaded, case_path
from auxwatch.corpus.model import Case, Expect, RowExpect
from auxwatch.corpus.render import to_csv

# The companion files every case inbox holds (see check.py), by dataset folder.
BASE_FILE = "000_base.csv"


def base_bytes(t: BaseTable) -> bytes:
    """The bytes of a base file as the case inboxes hold it."""
    return to_csv(t.header, t.rows)


def layout_cases(bases: dict[str, BaseTable]) -> Iterator[Case]:
    t = bases["police_strength"]
    data = base_bytes(t)
    rejected = [
        ("stray-at-inbox-root", "zz_police_strength.csv", "outside a dataset folder"),
        ("unknown-dataset-folder", "PoliceStrength/zz_case.csv", "not a known dataset folder"),
        ("file-in-sub-folder", "police_strength/2024/zz_case.csv", "sub-folder"),
    ]
    for slug, path, reason in rejected:
        yield Case(
            name=f"inbox/{slug}",
            family="layout",
            path=path,
            content=data,
            expect=Expect("rejected", reason=reason),
            note="Only <inbox>/<dataset>/<file> is a submission; anything else is rejected "
            "with its place named.",
        )
    ignored = [
        ("hidden-file", "police_strength/.zz_hidden.csv"),
        ("excel-lock-file", "police_strength/~$zz_lock.xlsx"),
    ]
    for slug, path in ignored:
        yield Case(
            name=f"inbox/{slug}",
            family="layout",
            path=path,
            content=b"\x00lock" if path.endswith("xlsx") else data,
            expect=Expect("ignored"),
            note="Hidden files and Excel lock files are not submissions: no ledger entry.",
        )
    bureaus = bases["bureaus"]
    yield Case(
        name="inbox/resent-under-another-name",
        family="layout",
        path=case_path("bureaus", "resent-copy"),
        content=base_bytes(bureaus),
        expect=Expect("skipped"),
        note="The same bytes as a file already loaded, under another name: skipped, changes "
        "nothing.",
    )


def oversized_cases(bases: dict[str, BaseTable], factor: int = 10) -> Iterator[Case]:
    """`factor` times the rows of the roster base, every row a distinct person."""
    t = bases.get("roster")
    if t is None:
        return
    pid, idn = t.col("person_id"), t.col("id_number")
    rows = []
    expect: dict[int, RowExpect] = all_loaded(t)
    for k in range(factor):
        for i, row in enumerate(t.rows):
            cells = list(row)
            if k:
                original = cells[idn] or ""
                new_pid = f"9{k:02d}{i:03d}"
                first17 = original[:14] + f"{(k * 37 + i) % 1000:03d}"
                new_id = first17 + check_char(first17)
                cells[pid], cells[idn] = new_pid, new_id
                expect[len(rows) + 2] = RowExpect(
                    base=i, values={"person_id": new_pid, "id_number": new_id}
                )
            rows.append(cells)
    yield Case(
        name="roster/oversized-10x",
        family="oversized",
        path=case_path("roster", "oversized-10x"),
        content=to_csv(t.header, rows),
        expect=Expect("loaded", rows=expect),
        note=f"{factor} times the usual rows: every one loads, none twice.",
    )
