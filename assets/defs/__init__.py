"""Every module in this package is scanned for Dagster definitions (assets/definitions.py).

Add a module here and its assets, checks, jobs, sensors and schedules join the code
location without any other edit.
"""
