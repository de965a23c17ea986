"""Types every part of API v1 shares. Each app keeps its own request and response schemas
next to its endpoints (`<app>/api.py`, `<app>/api_schemas.py`); the error shape is in
`errors.py`, paging in `pagination.py`.

Responses are built from explicit allowlists (each app's serializers): contact people,
budgets, safety plans and workflow fields never leave the server. Schema names are the
OpenAPI component names: they must be unique across apps (tests/test_schema.py checks)."""

MAX_ID = 2**63 - 1  # BigAutoField: larger ids would overflow the database driver, not just miss
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"  # PostgreSQL rejects NUL in text; no field needs controls
