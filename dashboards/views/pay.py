"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.pay."""

from dashboards.ui.pages.pay import render

render()
