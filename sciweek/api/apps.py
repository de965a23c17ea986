from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The API shell: the ninja instance, auth, errors, rate limits, caching, pagination. It
    registers no endpoints: each app adds its router in its own AppConfig.ready."""

    name = "sciweek.api"
    label = "api"
    urls_prefix = "api/"
    verbose_name = _("开放接口")
