"""One versioned cache for everything the public pages compute from a campaign's data.

A campaign's *data version* is a token that changes whenever any app writes data the public
sees. Each app that owns such data registers a version source in its `AppConfig.ready`
(`register_version_source`); the token is the sources' answers joined. Values cached under
the token (`cached`) are never stale after a write; the timeout bounds anything the sources
cannot see (a raw bulk update).

Keys depend only on the database, never on the process: every app node computes the same
token for the same data, so the cache stays coherent across nodes.
"""
import hashlib
from collections.abc import Callable

from django.core.cache import cache

PUBLIC_CACHE_SECONDS = 300

_version_sources: list[tuple[str, Callable]] = []


def register_version_source(name: str, source: Callable) -> None:
    """`source(campaign) -> str`: a cheap token (one index seek) that changes when the app's
    public data of that campaign changes. Registering the same name again replaces it."""
    global _version_sources
    _version_sources = [(n, s) for n, s in _version_sources if n != name] + [(name, source)]


def data_version(campaign) -> str:
    return ":".join([str(campaign.pk)] + [str(source(campaign)) for _name, source in _version_sources])


def cached(name: str, campaign, compute: Callable, *key, version: str | None = None,
           timeout: int = PUBLIC_CACHE_SECONDS):
    """compute() through Django's cache, keyed by `name`, `key` and the campaign's data version
    (or the `version` given). Counts and rankings that scan a whole campaign (200,000 filings
    nationally) are computed once per change instead of once per request."""
    version = version or data_version(campaign)
    digest = hashlib.sha256(repr((name, version, key)).encode()).hexdigest()[:32]
    cache_key = f"sciweek:public:{name}:{digest}"
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, timeout)
    return value


class Generation:
    """A counter in the cache that an app bumps to invalidate what it cannot date by a row
    (e.g. the search index after a rebuild); part of a version source."""

    def __init__(self, key: str):
        self.key = key

    def bump(self) -> None:
        try:
            cache.incr(self.key)
        except ValueError:  # not set yet (or evicted)
            cache.set(self.key, 1, None)

    def current(self) -> int:
        return cache.get(self.key) or 0
