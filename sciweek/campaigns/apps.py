from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "sciweek.campaigns"
    label = "campaigns"
    verbose_name = _("科技活动周")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.console.registry import NavEntry, register_nav

        register_labels({"campaign.updated": _("修改活动周设置")})
        register_nav(NavEntry("console:campaign", _("活动周设置"), action="campaign.view", order=80))
