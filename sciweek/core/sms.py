"""Pluggable SMS: settings.SMS_BACKEND names a class with send(phone, text). The default
prints to the console (development); production plugs in a provider's client."""
import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("sciweek.sms")


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        print(f"[SMS to {phone[:3]}****{phone[-4:]}] {text}")  # noqa: T201


class LocmemSmsBackend:
    """Keeps messages in memory for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
