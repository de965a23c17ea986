from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "sciweek.news"
    label = "news"
    verbose_name = _("动态信息")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import NavEntry, register_nav

        from .api import router

        register_labels({"news.withdrawn": _("撤下动态信息")})
        register_nav(NavEntry("news:console", _("动态信息"), action="news.publish", order=60))
        register_router(router)
