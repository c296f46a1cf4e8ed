"""The numbered CQL migrations, shipped inside the package and read with importlib.resources
(`chat-service migrate` applies them; `MIGRATIONS_DIR` may point elsewhere instead)."""
