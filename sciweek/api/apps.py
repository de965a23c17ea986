from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "sciweek.api"
    label = "api"
    urls_prefix = "api/"
    verbose_name = _("开放接口")

    def ready(self):
        from .registry import register_router
        from .v1 import account, activities, campaigns, news

        for module in (campaigns, activities, account, news):
            register_router(module.router)
