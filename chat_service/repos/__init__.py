"""Repositories: the only code that knows table names, CQL statements and Redis keys."""
