from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommendationsConfig(AppConfig):
    name = "sciweek.commendations"
    label = "commendations"
    verbose_name = _("表彰")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import NavEntry, register_nav
        from sciweek.portal.registry import RegionSection, register_region_section

        from . import selectors
        from .api import router

        register_labels({
            "commendations.created": _("创建表彰名单"),
            "commendations.drawn": _("按评估排名生成表彰候选"),
            "commendations.candidate_added": _("增补表彰候选"),
            "commendations.candidate_removed": _("删除表彰候选"),
            "commendations.candidate_restored": _("恢复表彰候选"),
            "commendations.proposed": _("提交表彰名单审定"),
            "commendations.returned": _("退回表彰名单修改"),
            "commendations.approved": _("审定表彰名单"),
            "commendations.notice_started": _("开始公示表彰名单"),
            "commendations.finalized": _("公布表彰最终名单"),
            "commendations.withdrawn": _("撤销表彰名单"),
            "commendations.objection_recorded": _("登记表彰名单异议"),
            "commendations.objection_handled": _("处理表彰名单异议"),
            "commendations.support_set": _("确定下一年度重点项目支持"),
            "commendations.exported": _("导出表彰名单"),
            "commendations.certificates_downloaded": _("下载荣誉证书"),
        })
        register_nav(NavEntry("commendations:index", _("表彰"), action="commendation.view", order=67))
        register_region_section(RegionSection("commendations", "commendations/public/_region.html",
                                              selectors.region_section, order=70))
        register_router(router)  # tag "statistics", described by the statistics app
