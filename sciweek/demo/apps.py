from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The 2020 demo and the national-scale generator: no models and no pages, only the
    loaders and their commands (`load_demo`, `demo_totp`, `generate_national`)."""

    name = "sciweek.demo"
    label = "demo"
    verbose_name = _("演示数据")
