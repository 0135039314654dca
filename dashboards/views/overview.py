"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.overview."""

from dashboards.ui.pages.overview import render

render()
