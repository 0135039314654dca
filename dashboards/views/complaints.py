"""Page script (run by st.navigation); the page itself is dashboards.ui.pages.complaints."""

from dashboards.ui.pages.complaints import render

render()
