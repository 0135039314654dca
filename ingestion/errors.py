"""The one error ingestion raises for input it cannot use."""


class RejectedFile(Exception):
    """A whole file cannot be loaded; the message says why, in words a data steward understands."""
