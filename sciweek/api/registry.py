"""Routers that apps add to the JSON API. Each app keeps its endpoints in its own `api.py`
and registers its router in `AppConfig.ready`:

    from sciweek.api.registry import register_router
    register_router(router)            # joins /api/v1/

The API shell (`sciweek.api.api`) mounts them in registration order; it names no app.
"""
_routers: dict[str, list] = {}


def register_router(router, version: str = "v1") -> None:
    routers = _routers.setdefault(version, [])
    if router not in routers:
        routers.append(router)


def routers(version: str = "v1") -> list:
    return list(_routers.get(version, []))
