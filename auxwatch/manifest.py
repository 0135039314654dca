"""Prepare the dbt manifest that dagster-dbt reads when the code location is imported."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
# Files whose change changes the manifest.
_TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d\s+")
_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "snapshots", "seeds")


class ManifestError(RuntimeError):
    """dbt could not parse the project."""


def manifest_path(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return project_dir / "target" / "manifest.json"


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _SOURCES:
        root = project_dir / name
        if root.is_file():
            newest = max(newest, root.stat().st_mtime)
        elif root.is_dir():
            for path in root.rglob("*"):
                if path.is_file():
                    newest = max(newest, path.stat().st_mtime)
            # A deleted model changes the folder's mtime, not any remaining file's.
            for path in [root, *(p for p in root.rglob("*") if p.is_dir())]:
                newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = manifest_path(project_dir)
    if not manifest.exists():
        return True
    return _newest_source_mtime(project_dir) > manifest.stat().st_mtime


def first_error(lines: list[str]) -> str:
    """dbt's first error line and the line that explains it, as one line."""
    for i, line in enumerate(lines):
        if "error" in line.lower():
            return " ".join(lines[i : i + 2])
    return lines[-1] if lines else "(no output)"


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR, *, timeout: float = 300) -> bool:
    """Run `dbt parse` when the manifest is missing or older than the project's files.

    Returns True when it parsed. Raises ManifestError with dbt's last error line.
    """
    if not manifest_is_stale(project_dir):
        return False
    dbt = Path(sys.executable).parent / "dbt"
    env = dict(os.environ)
    # Parsing never opens the database, but profiles.yml must render.
    env.setdefault("AUXWATCH_WORK_DIR", str(project_dir / "target"))
    env["DBT_USE_COLORS"] = "false"
    proc = subprocess.run(
        [str(dbt), "parse", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        lines = [
            _TIMESTAMP.sub("", ln).strip()
            for ln in (proc.stdout + proc.stderr).splitlines()
            if ln.strip()
        ]
        raise ManifestError(f"dbt parse failed: {first_error(lines)}")
    return True
