"""Upload purposes, registered by the apps that own them (contests, news, reports).

The media app checks files; the owning app decides what it accepts (its MediaRequirements)
and who may upload (``may_upload(request) -> bool``), in its AppConfig.ready:

    register_purpose("contests.entry_video", VIDEO_2_TO_5_MIN, may_upload=entrant_may_upload)
"""
from collections.abc import Callable
from dataclasses import dataclass

from .requirements import MediaRequirements


@dataclass(frozen=True)
class Purpose:
    name: str
    requirements: MediaRequirements
    may_upload: Callable


_purposes: dict[str, Purpose] = {}


def register_purpose(name: str, requirements: MediaRequirements, may_upload: Callable) -> Purpose:
    purpose = Purpose(name, requirements, may_upload)
    _purposes[name] = purpose
    return purpose


def unregister_purpose(name: str) -> None:
    _purposes.pop(name, None)


def get_purpose(name: str) -> Purpose | None:
    return _purposes.get(name)


def purposes() -> dict[str, Purpose]:
    return dict(_purposes)
