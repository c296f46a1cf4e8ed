"""The Redis side of the repositories: derived data only, never the only copy."""
