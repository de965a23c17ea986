from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "sciweek.reports"
    label = "reports"
    verbose_name = _("活动总结报送")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import DashboardCard, NavEntry, register_card, register_nav
        from sciweek.core.signals import filing_changed
        from sciweek.media.registry import register_purpose
        from sciweek.media.requirements import IMAGE, SUMMARY_VIDEO

        from . import dashboard, receivers, selectors
        from .api import TAGS, router

        register_labels({
            "reports.submitted": _("报送活动总结"),
            "reports.returned": _("退回活动总结"),
            "reports.accepted": _("接收活动总结"),
            "reports.reopened": _("撤回对活动总结的接收"),
            "reports.extended": _("批准活动总结延期报送"),
            "reports.reminded": _("提醒未报送的单位"),
            "reports.archive_downloaded": _("下载活动总结材料包"),
        })
        register_router(router, tags=TAGS)
        register_nav(
            NavEntry("reports:my_reports", _("活动总结"), action="report.view", order=62),
            NavEntry("reports:dashboard", _("报送情况"), action="report.view", order=63),
        )
        register_card(DashboardCard("reports.summaries", "reports/cards/summaries.html", dashboard.summaries, order=18))
        register_purpose("reports.summary_video", SUMMARY_VIDEO, may_upload=selectors.may_upload_summary_media)
        register_purpose("reports.summary_image", IMAGE, may_upload=selectors.may_upload_summary_media)
        filing_changed.connect(receivers.filing_changed, dispatch_uid="reports.filing_changed")
