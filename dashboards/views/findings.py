"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.findings."""

from dashboards.ui.pages.findings import render

render()
