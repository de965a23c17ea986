"""Routers that apps add to the JSON API. Each app keeps its endpoints in its own `api.py`
and registers its router in `AppConfig.ready`:

    from sciweek.api.registry import register_router
    register_router(router)            # joins /api/v1/
    register_router(router, tags=[{"name": "news", "description": "…"}])  # documents its tags

The API shell (`sciweek.api.api`) mounts them in registration order and lists the tags the
apps describe; it names no app.
"""
_routers: dict[str, list] = {}
_tags: list[dict] = []


def register_router(router, version: str = "v1", tags: list[dict] | None = None) -> None:
    routers = _routers.setdefault(version, [])
    if router not in routers:
        routers.append(router)
    for tag in tags or []:
        if all(known["name"] != tag["name"] for known in _tags):
            _tags.append(tag)


def routers(version: str = "v1") -> list:
    return list(_routers.get(version, []))


def tags() -> list[dict]:
    """OpenAPI tag descriptions, in registration order."""
    return list(_tags)
