from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sciweek.core"
    verbose_name = "SciWeek core"
