from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizConfig(AppConfig):
    name = "sciweek.quiz"
    label = "quiz"
    verbose_name = _("在线答题")

    def ready(self):
        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router

        from . import receivers
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
        # Console navigation is registered once its pages exist (console_urls).
        register_router(router)
        receivers.connect()
