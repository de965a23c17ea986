from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "sciweek.statistics"
    label = "statistics"
    verbose_name = _("统计")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import NavEntry, register_nav
        from sciweek.portal.registry import RegionSection, register_region_section
        from sciweek.spreadsheets.exporters import Exporter, register_exporter

        from . import public
        from .api import TAGS, router

        register_labels({
            "statistics.published": _("发布统计数据"),
            "statistics.unpublished": _("撤回发布的统计数据"),
            "statistics.work_plan_downloaded": _("下载工作方案"),
        })
        register_nav(NavEntry("statistics:console", _("统计"), action="statistics.view", order=64))
        register_router(router, tags=TAGS)
        register_region_section(RegionSection("statistics.published", "statistics/region_section.html",
                                              public.region_section, order=40))
        register_exporter(Exporter("statistics", _("导出统计数据"), "statistics:export", "statistics.view",
                                   description=_("本级及下级单位的全部统计数字（与统计页面一致）。"), order=40))
