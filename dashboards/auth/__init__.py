"""Users, roles, login rate limiting and the ``auxwatch users`` command."""
