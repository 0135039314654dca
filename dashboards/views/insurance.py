"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.insurance."""

from dashboards.ui.pages.insurance import render

render()
