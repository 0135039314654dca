"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.quota."""

from dashboards.ui.pages.quota import render

render()
