"""The benchmark's JSON as a markdown table (docs/benchmark-results.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STAGES = ("ingest", "dbt", "data_quality", "publish", "outside_steps")


def _run_row(label: str, run: dict[str, Any]) -> str:
    m = run["measured"]
    stages = run["stages_s"]
    cells = [
        label,
        f"{m['wall_s']:.0f}",
        f"{m['user_s'] + m['sys_s']:.0f}",
        f"{m['max_rss_mb'] / 1024:.2f}",
    ]
    cells += [f"{stages.get(s, 0):.0f}" for s in STAGES]
    cells += [f"{run['rows_loaded']:,}", f"{run['rows_per_s']:,.0f}"]
    return "| " + " | ".join(cells) + " |"


def _small(r: dict[str, Any]) -> list[str]:
    return [
        f"## small (seed {r['seed']}, as_of {r['as_of']})",
        "",
        "| run | wall | CPU | peak RSS GB | ingest | dbt | data quality | publish | "
        "outside | rows loaded | rows/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        _run_row("first run", r["first_run"]),
        _run_row("unchanged rerun", r["unchanged_rerun"]),
        _run_row("one corrected payroll file", r["correction_run"]),
        "",
        f"- the corrected file: payroll/{r['corrected_file']} (an old month's file resent "
        "without its last row)",
        "- targets: unchanged rerun <= 5 s wall; corrected file <= 20 s wall; first run "
        "<= 45 s CPU",
        "",
    ]


def write_markdown(results: dict[str, Any], path: Path) -> None:
    lines = [
        "# auxwatch benchmark results",
        "",
        "Written by `make bench` (bench/run.py); numbers of the last run on this machine",
        "(2 cores shared with other work: wall times are noisy, CPU times less so).",
        "Seconds unless stated; stage times are Dagster step times summed per stage;",
        "`outside` is process start, imports and run bookkeeping outside any step.",
        "",
    ]
    for scale, r in results.items():
        if scale == "small":
            lines += _small(r)
            continue
        full = r["full_rebuild"]
        inc = r["incremental_run"]
        floor = r["floor"]
        lines += [
            f"## {scale} (seed {r['seed']}, as_of {r['as_of']}, incremental month "
            f"{r['incremental_month']})",
            "",
            "| run | wall | CPU | peak RSS GB | ingest | dbt | data quality | publish | "
            "outside | rows loaded | rows/s |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            _run_row("full rebuild", full),
            _run_row("history (all but the last month)", r["history_run"]),
            _run_row("incremental month", inc),
            "",
            f"- floor (bench/floor.sql, read {floor['seconds_read']:.0f} s + SQL "
            f"{floor['seconds_sql']:.0f} s): wall {floor['wall_s']:.0f} s, CPU "
            f"{floor['user_s'] + floor['sys_s']:.0f} s, peak RSS "
            f"{floor['max_rss_mb'] / 1024:.2f} GB; rows differing from the pipeline: "
            f"{floor['rows_differing_from_pipeline']}",
            f"- full rebuild / floor (wall): "
            f"{full['measured']['wall_s'] / floor['wall_s']:.2f}x; "
            f"(CPU): {(full['measured']['user_s'] + full['measured']['sys_s']) / (floor['user_s'] + floor['sys_s']):.2f}x",
            f"- incremental / full rebuild (wall): "
            f"{inc['measured']['wall_s'] / full['measured']['wall_s']:.1%}; (CPU): "
            f"{inc['measured']['user_s'] + inc['measured']['sys_s']:.0f} / "
            f"{full['measured']['user_s'] + full['measured']['sys_s']:.0f} = "
            f"{(inc['measured']['user_s'] + inc['measured']['sys_s']) / (full['measured']['user_s'] + full['measured']['sys_s']):.1%}",
            *(
                [
                    "- incremental month runs from the same history state (wall / CPU): "
                    + ", ".join(
                        f"{x['wall_s']:.0f} / {x['cpu_s']:.0f}" for x in r["incremental_runs"]
                    )
                    + " s; the table shows the median"
                ]
                if len(r.get("incremental_runs", [])) > 1
                else []
            ),
            f"- published tables differing between incremental and full rebuild: "
            f"{sum(1 for v in r['incremental_vs_full_rows_differing'].values() if v)} of "
            f"{len(r['incremental_vs_full_rows_differing'])}",
        ]
        if "generate" in r:
            g = r["generate"]
            lines.append(
                f"- `auxwatch generate --scale {scale}`: wall {g['wall_s']:.0f} s, "
                f"CPU {g['user_s'] + g['sys_s']:.0f} s, peak RSS "
                f"{g['max_rss_mb'] / 1024:.2f} GB"
            )
        queries = r["dashboards"]["queries"]
        worst = max(queries, key=lambda q: q["p95_ms"])
        lines += [
            f"- dashboard queries: {len(queries)}, worst p95 {worst['p95_ms']:.0f} ms "
            f"({worst['page']}.{worst['query']})",
            "",
            "| page | query | rows | p50 ms | p95 ms |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {q['page']} | {q['query']} | {q['rows']} | {q['p50_ms']} | {q['p95_ms']} |"
            for q in queries
        ]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
