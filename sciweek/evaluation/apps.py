from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "sciweek.evaluation"
    label = "evaluation"
    verbose_name = _("评估")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import NavEntry, register_nav
        from sciweek.portal.registry import RegionSection, register_region_section

        from . import public
        from .api import router

        register_labels({
            "evaluation.created": _("新建评估"),
            "evaluation.weights_changed": _("修改评估权重"),
            "evaluation.scheme_changed": _("修改评估方案"),
            "evaluation.scoring_opened": _("开始评估评分"),
            "evaluation.scored": _("评估评分"),
            "evaluation.frozen": _("定格评估"),
            "evaluation.published": _("发布评估结果"),
            "evaluation.support_marked": _("确定下一年度重点项目支持"),
            "evaluation.support_unmarked": _("取消下一年度重点项目支持"),
        })
        register_nav(NavEntry("evaluation:list", _("评估"), action="evaluation.view", order=66))
        register_region_section(RegionSection("evaluation.published", "evaluation/public/_region.html",
                                              public.region_section, order=60))
        register_router(router)  # tag "statistics", described by the statistics app
