"""auxwatch dashboards: Streamlit pages over the published warehouse, read-only.

Layout:
- ``config``: where the warehouse, users file, audit log and Data Docs live.
- ``auth``: users file (argon2), roles, login rate limiting, the ``auxwatch users`` CLI.
- ``data``: the only code that runs SQL; every query is scoped to the viewer's bureau subtree.
- ``pages``: one Streamlit page per file; ``views``: what each page renders.
"""
