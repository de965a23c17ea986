"""Model fields the project shares."""
from django.db import models


class URLField(models.URLField):
    """A URL whose form field reads "example.cn/live" as https:// (the default Django 6
    adopts; filers paste addresses without a scheme, and every live stream is https)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
