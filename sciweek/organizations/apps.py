from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "sciweek.organizations"
    label = "organizations"
    verbose_name = _("组织网络")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.console.registry import NavEntry, register_nav

        register_labels({"organization.created": _("新建组织"), "organization.updated": _("修改组织")})
        register_nav(NavEntry("organizations:organization_list", _("组织网络"), action="organization.view", order=70))
