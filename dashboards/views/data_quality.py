"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.data_quality."""

from dashboards.ui.pages.data_quality import render

render()
