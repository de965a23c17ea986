from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizConfig(AppConfig):
    name = "sciweek.quiz"
    label = "quiz"
    verbose_name = _("在线答题")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import NavEntry, register_nav
        from sciweek.participants.registry import register_personal_data, register_personal_page
        from sciweek.portal.registry import YearLink, register_year_link

        from . import receivers, selectors, services
        from .api import TAGS, router

        register_labels({
            "quiz.questions_approved": _("审核通过题目"),
            "quiz.questions_returned": _("退回题目"),
            "quiz.questions_imported": _("导入题目"),
            "quiz.published": _("发布答题活动"),
            "quiz.withdrawn": _("撤下答题活动"),
            "quiz.attempt_cleared": _("答题核查通过"),
            "quiz.attempt_disqualified": _("取消答题成绩"),
            "quiz.results_exported": _("导出答题成绩"),
        })
        register_nav(NavEntry("quiz:console_list", _("在线答题"), action="quiz.results", order=62),
                     NavEntry("quiz:bank", _("题库"), action="quiz.question.write", order=64),
                     NavEntry("quiz:review_queue", _("题目审核"), action="quiz.question.review", order=66))
        # The public nav's 答题 link, for a year with a published quiz (cached: no query per page).
        register_year_link(YearLink("quiz:list", _("答题"), shown=selectors.campaign_has_public_quiz, order=50))
        register_router(router, tags=TAGS)  # the `quiz` tag's description in /api/docs
        register_personal_data("quiz", export=services.export_for, erase=services.erase_for)
        # My quiz attempts (every quiz, every year); after my reservations, which stay where
        # sign-in lands by default.
        register_personal_page("quiz:mine", order=20)
        receivers.connect()
