"""auxwatch: oversight data warehouse for police auxiliary staff."""
