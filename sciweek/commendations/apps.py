from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommendationsConfig(AppConfig):
    name = "sciweek.commendations"
    label = "commendations"
    verbose_name = _("表彰")

    def ready(self):
        pass
