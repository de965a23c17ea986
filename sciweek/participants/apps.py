from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    """The public person: phone sign-in, consent, and their personal data. Reservations (and
    later the quiz and public voting) build on it; it names none of them."""

    name = "sciweek.participants"
    label = "participants"
    verbose_name = _("公众用户")

    def ready(self):
        from sciweek.api.registry import register_router

        from .api import router

        register_router(router)
