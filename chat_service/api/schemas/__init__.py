"""Request models: every input rule of the API, written once. Handlers receive these typed
values (see `api/inputs.py`), and `api/openapi.py` derives the spec's request schemas and
query parameters from them."""
