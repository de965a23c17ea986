from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "sciweek.evaluation"
    label = "evaluation"
    verbose_name = _("评估")

    def ready(self):
        pass
