"""Page styles Streamlit has no option for: phone-width layout of metrics."""

from __future__ import annotations

import streamlit as st

# Below 640 px Streamlit stacks every column, so a row of five metrics becomes five screens
# of one number each. Rows of metrics wrap two to a line instead; values shrink a little.
NARROW_CSS = """
<style>
@media (max-width: 640px) {
  div[data-testid="stHorizontalBlock"]:has(> div[data-testid="stColumn"] div[data-testid="stMetric"]) {
    flex-direction: row !important;
    flex-wrap: wrap !important;
    gap: 0.25rem 0.75rem !important;
  }
  div[data-testid="stHorizontalBlock"]:has(> div[data-testid="stColumn"] div[data-testid="stMetric"])
    > div[data-testid="stColumn"] {
    flex: 0 0 calc(50% - 0.75rem) !important;
    min-width: calc(50% - 0.75rem) !important;
    width: calc(50% - 0.75rem) !important;
  }
  div[data-testid="stMetricValue"] { font-size: 1.6rem !important; }
}
</style>
"""


def apply() -> None:
    st.html(NARROW_CSS)
