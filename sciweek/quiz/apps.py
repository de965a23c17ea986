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
        from sciweek.participants.registry import register_personal_data

        from . import receivers, services
        from .api import router

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
        register_router(router)
        register_personal_data("quiz", export=services.export_for, erase=services.erase_for)
        receivers.connect()
