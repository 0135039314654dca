"""The project's own generic data tests pass on good rows and fail, with the right failure
count, on bad ones.

They run in a throwaway dbt project holding only copies of `dbt_project/tests/generic` and
two tiny models, so a test that could never fail would show here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.dbt.conftest import DBT, DBT_DIR

GOOD = """
select *
from (values
    (1, 'x', date '2024-03-01'),
    (2, 'y', date '2024-04-01')
) as t(a, b, month)
"""

# a null in a and in b; b = 'z' twice and O'Brien once (quoting); a duplicated (a, b);
# a month that is not a first day
BAD = """
select *
from (values
    (null, 'x', date '2024-03-01'),
    (1, null, date '2024-03-01'),
    (2, 'z', date '2024-03-15'),
    (3, 'z', date '2024-03-01'),
    (3, 'z', date '2024-03-01'),
    (4, 'O''Brien', date '2024-03-01')
) as t(a, b, month)
"""

SCHEMA = """
version: 2
models:
{models}
"""

MODEL_TESTS = """
  - name: {name}
    data_tests:
      - not_null_columns:
          arguments:
            column_names: [a, b, month]
      - accepted_column_values:
          arguments:
            accepted:
              a: [1, 2, 3]
              b: ["x", "y"]
      - unique_combination_of_columns:
          arguments:
            combination_of_columns: [a, b]
    columns:
      - name: month
        data_tests: [first_of_month]
"""

PROFILES = """
generic:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{path}"
      threads: 1
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict]:
    root = tmp_path_factory.mktemp("generic")
    (root / "models").mkdir()
    (root / "models" / "good.sql").write_text(GOOD, encoding="utf-8")
    (root / "models" / "bad.sql").write_text(BAD, encoding="utf-8")
    (root / "models" / "schema.yml").write_text(
        SCHEMA.format(models="".join(MODEL_TESTS.format(name=n) for n in ("good", "bad"))),
        encoding="utf-8",
    )
    shutil.copytree(DBT_DIR / "tests" / "generic", root / "tests" / "generic")
    (root / "dbt_project.yml").write_text(
        "name: generic\nversion: '1.0'\nprofile: generic\nflags:\n"
        "  send_anonymous_usage_stats: false\n",
        encoding="utf-8",
    )
    (root / "profiles.yml").write_text(
        PROFILES.format(path=(root / "generic.duckdb").as_posix()), encoding="utf-8"
    )
    proc = subprocess.run(
        [str(DBT), "build", "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env={**os.environ, "DBT_USE_COLORS": "false"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    run_results = root / "target" / "run_results.json"
    assert run_results.exists(), proc.stdout + proc.stderr
    out: dict[tuple[str, str], dict] = {}
    for result in json.loads(run_results.read_text(encoding="utf-8"))["results"]:
        node = result["unique_id"]
        if not node.startswith("test."):
            continue
        test = next(
            t for t in ("not_null_columns", "accepted_column_values",
                        "unique_combination_of_columns", "first_of_month")
            if node.split(".")[2].startswith(t)
        )
        model = "bad" if "_bad_" in node else "good"
        out[(test, model)] = result
    return out


@pytest.mark.parametrize(
    "test",
    ["not_null_columns", "accepted_column_values", "unique_combination_of_columns",
     "first_of_month"],
)
def test_passes_on_good_rows(results: dict, test: str) -> None:
    assert results[(test, "good")]["status"] == "pass"


@pytest.mark.parametrize(
    ("test", "failures"),
    [
        # columns a and b hold a null; month does not
        ("not_null_columns", 2),
        # a = 4, b = 'z' and b = O'Brien (nulls are not judged, as in dbt's accepted_values)
        ("accepted_column_values", 3),
        ("unique_combination_of_columns", 1),
        ("first_of_month", 1),
    ],
)
def test_fails_on_bad_rows_with_one_row_per_problem(
    results: dict, test: str, failures: int
) -> None:
    result = results[(test, "bad")]
    assert result["status"] == "fail"
    assert result["failures"] == failures
