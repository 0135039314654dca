"""Build GX Data Docs into `<work_dir>/data_docs/` and make them render offline.

GX writes pages that load Bootstrap, jQuery, Font Awesome, vega... from public CDNs and a
logo from a public bucket. The bureaus' networks are isolated, so after each build every
page is rewritten to use the copies vendored in `expectations/docs_assets/vendor/`
(copied into the site as `static/vendor/`) and GX's own logo from `static/images/`. A
script, stylesheet or image URL that is not known is dropped rather than left pointing
outside: a page without one widget beats a page that hangs on a network timeout.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .gxrun import safe_name

log = logging.getLogger(__name__)

VENDOR = Path(__file__).parent / "docs_assets" / "vendor"
SITE_NAME = "local_site"

# URL prefix -> path under static/vendor/ (prefix match; longest first).
CDN_MAP: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js/1.12.9/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap/4.3.1/js/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap/4.3.1/css/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js":
        "bootstrap-table/1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css":
        "bootstrap-table/1.19.0/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css":
        "bootstrap-table/1.19.0/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css":
        "bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark/1.1.0/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "font-awesome/6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/5/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/5/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/6/vega-embed.min.js",
}
# GX's logo from its public bucket -> the copy GX ships into every site.
LOGO_PREFIX = "https://great-expectations-web-assets.s3"
LOGO_LOCAL = "images/logo-long-vector.svg"

# <script src=...>, <link href=...>, <img src=...> pointing at http(s).
_EXTERNAL = re.compile(
    r"""<(?P<tag>script|link|img)\b(?P<attrs>[^>]*?)\b(?P<attr>src|href)=(?P<q>["'])"""
    r"""(?P<url>https?://[^"']*)(?P=q)(?P<rest>[^>]*)>(?P<close>\s*</script>)?""",
    re.IGNORECASE,
)


# src/href of GX's own relative static links: "./static/..." or "../../static/...".
_GX_STATIC = re.compile(r"""((?:src|href)=["'])(?:\./|(?:\.\./)+)static/""")


def _local(url: str) -> str | None:
    if url.startswith(LOGO_PREFIX):
        return LOGO_LOCAL
    base = url.split("?", 1)[0].split("#", 1)[0]
    for prefix in sorted(CDN_MAP, key=len, reverse=True):
        if base == prefix or base.startswith(prefix + "/"):
            return "vendor/" + CDN_MAP[prefix]
    return None


def make_offline(site: Path) -> list[str]:
    """Vendor the assets into `site/static/vendor` and rewrite every page; returns the
    external URLs that had no local copy and were dropped."""
    static = site / "static"
    shutil.copytree(VENDOR, static / "vendor", dirs_exist_ok=True)
    dropped: set[str] = set()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        prefix = os.path.relpath(static, page.parent).replace(os.sep, "/")

        def rewrite(m: re.Match[str], prefix: str = prefix) -> str:
            tag, url = m.group("tag").lower(), m.group("url")
            if tag == "link" and "stylesheet" not in m.group(0).lower() \
                    and "icon" not in m.group(0).lower():
                return m.group(0)  # other <link>s (e.g. canonical) load nothing
            local = _local(url)
            if local is None:
                dropped.add(url)
                return ""
            return m.group(0).replace(url, f"{prefix}/{local}")

        new = _EXTERNAL.sub(rewrite, text)
        # GX computes the depth of its own static/ links from the suite name, and gets it
        # wrong for dotted names (raw.payroll): point them at the real folder.
        new = _GX_STATIC.sub(lambda m, p=prefix: f"{m.group(1)}{p}/", new)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for url in sorted(dropped):
        log.warning("Data Docs: dropped external asset without a local copy: %s", url)
    return sorted(dropped)


def external_assets(site: Path) -> dict[str, list[str]]:
    """Pages that still load a script, stylesheet or image over http(s) (should be none)."""
    out: dict[str, list[str]] = {}
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = [m.group("url") for m in _EXTERNAL.finditer(text)
                 if m.group("tag").lower() != "link" or "stylesheet" in m.group(0).lower()]
        if found:
            out[str(page.relative_to(site))] = found
    return out


def site_config(site: Path) -> dict[str, Any]:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(site)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def build_data_docs(
    context: Any,
    site: Path,
    *,
    run_names: Iterable[str] | None = None,
) -> Path:
    """Build Data Docs of the context's stored validation results into `site`.

    `run_names`: only the results of these runs are (re)rendered (earlier pages stay, and
    the index lists every page); None renders every stored result. Returns the index page.
    """
    site.mkdir(parents=True, exist_ok=True)
    sites = context.get_config().data_docs_sites or {}
    if SITE_NAME in sites:
        context.update_data_docs_site(SITE_NAME, site_config(site))
    else:
        context.add_data_docs_site(SITE_NAME, site_config(site))
    identifiers = None
    if run_names is not None:
        wanted = {safe_name(r) for r in run_names}
        identifiers = [
            k for k in context.validation_results_store.list_keys()
            if getattr(k.run_id, "run_name", None) is not None
            and any(k.run_id.run_name.startswith(w) for w in wanted)
        ]
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=identifiers)
    make_offline(site)
    return site / "index.html"
