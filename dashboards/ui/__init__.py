"""Streamlit rendering: session and login, shared widgets, one module per page."""
