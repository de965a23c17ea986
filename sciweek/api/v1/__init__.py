"""API version 1, mounted at /api/v1/. The shell's own v1 endpoints live here until their
apps own them; apps register their routers with sciweek.api.registry. A breaking change goes
into a new version (v2), not here."""
