"""The data-access layer: the only code of the dashboards that runs SQL.

Every function takes the viewer (user, role and scope: the bureau codes of their subtree)
and filters in SQL with bound parameters, so what a page can show is decided here, not by
which widgets a page draws. Connections are read-only and live for one query.
"""
