from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContestsConfig(AppConfig):
    name = "sciweek.contests"
    label = "contests"
    verbose_name = _("大赛")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import NavEntry, register_nav
        from sciweek.media.registry import register_purpose
        from sciweek.media.requirements import VIDEO_2_TO_5_MIN
        from sciweek.portal.registry import YearLink, register_year_link

        from . import selectors
        from .api import TAGS, router

        register_labels({
            "contests.entry_disqualified": _("取消参赛作品资格"),
            "contests.conflict_declared": _("评委申报回避"),
            "contests.assigned": _("分配评审任务"),
            "contests.score_reopened": _("退回评委评分"),
            "contests.results_published": _("公示大赛结果"),
            "contests.objection_handled": _("处理公示异议"),
            "contests.results_final": _("公布大赛最终结果"),
            "contests.votes_voided": _("作废网络投票"),
            "contests.results_exported": _("导出大赛成绩名单"),
        })
        register_router(router, tags=TAGS)
        register_nav(
            NavEntry("contests:judge_home", _("我的评审"), order=67, shown=selectors.is_judge),
            NavEntry("contests:console_list", _("大赛"), action="contest.manage", order=68),
            NavEntry("contests:unit_entries", _("报送参赛作品"), action="contest.enter", order=69),
        )
        register_year_link(YearLink("contests:list", _("大赛"), shown=selectors.campaign_has_public_contest, order=55))
        # An entry's video: 2–5 minutes, mp4/mov, h264/hevc (the micro-video contests' rule).
        register_purpose("contests.entry_video", VIDEO_2_TO_5_MIN, may_upload=selectors.may_upload_entry_video)
