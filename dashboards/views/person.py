"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.person."""

from dashboards.ui.pages.person import render

render()
