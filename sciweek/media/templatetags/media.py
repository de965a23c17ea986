"""Addresses of media assets for templates: ``media/_image.html`` and ``media/_gallery.html``.

A public asset is shown through its unsigned addresses (cacheable, the same for everyone); a
private one only where the including page says its reader may see it (``signed=True``: the
owner's own page, a console page), through signed, time-limited addresses. Without it a
private asset is not shown at all, so a public page that forgets the question shows nothing
rather than leaking a file. A page cached for everyone (``core.cache``) must not pass
``signed``: the signature would be cached with it.

    {% load media %}
    {% media_image asset signed=True as image %}   {"url", "thumbnail_url", "width", "height"} or None
"""
from django import template

from ..models import MediaAsset
from ..services import public_url, signed_url

register = template.Library()

SIGNED_TTL = 4 * 3600  # a page left open for a morning still shows its pictures


@register.simple_tag
def media_image(asset, signed=False, ttl=SIGNED_TTL):
    """The addresses and thumbnail size of an image asset this page may show, or None (no
    asset, not an image, or private on a page that did not ask for ``signed``)."""
    if not isinstance(asset, MediaAsset) or asset.kind != MediaAsset.Kind.IMAGE:
        return None
    if asset.is_public:
        def address(part):
            return public_url(asset, part=part)
    elif signed:
        def address(part):
            return signed_url(asset, ttl=int(ttl), part=part)
    else:
        return None
    url = address("file")
    width, height = asset.poster_size
    return {"url": url, "thumbnail_url": address("poster") if asset.poster else url, "width": width,
            "height": height}


@register.simple_tag
def media_gallery(items, signed=False, ttl=SIGNED_TTL):
    """``items`` — (asset, caption) pairs — reduced to those this page may show, as
    {"asset", "caption"} in their order."""
    return [{"asset": asset, "caption": caption or ""} for asset, caption in items or ()
            if media_image(asset, signed=signed, ttl=ttl) is not None]
