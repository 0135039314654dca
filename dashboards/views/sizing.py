"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.sizing."""

from dashboards.ui.pages.sizing import render

render()
