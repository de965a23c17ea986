from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "sciweek.news"
    label = "news"
    verbose_name = _("动态信息")

    def ready(self):
        from django.db.models.signals import post_delete

        from sciweek.accounts.audit import register_labels
        from sciweek.api.registry import register_router
        from sciweek.console.registry import NavEntry, register_nav
        from sciweek.core.signals import filing_changed, news_days_changed, session_cancelled
        from sciweek.media.registry import register_purpose
        from sciweek.media.requirements import IMAGE, SUMMARY_VIDEO

        from . import receivers, selectors, services, tally
        from .api import router
        from .models import NewsDue

        register_labels({
            "news.withdrawn": _("撤下动态信息"),
            "news.published": _("审核发布动态信息"),
            "news.returned": _("退回动态信息"),
            "news.resubmitted": _("重新报送动态信息"),
            "news.reminded": _("提醒报送动态信息"),
        })
        register_nav(
            NavEntry("news:console", _("动态信息"), action="news.publish", order=60),
            NavEntry("news:review_queue", _("审核动态信息"), action="news.review", order=61,
                     shown=selectors.receives_news),
        )
        register_router(router)
        # A news item's pictures (sent with the form) and its short video (the chunked widget):
        # the video at most the national 3 minutes here, the campaign's own limit checked again
        # when it is attached (services.video_requirements).
        register_purpose(services.IMAGE_PURPOSE, IMAGE, may_upload=services.may_upload_media)
        register_purpose(services.VIDEO_PURPOSE, SUMMARY_VIDEO, may_upload=services.may_upload_media)
        filing_changed.connect(receivers.filing_changed, dispatch_uid="news.filing_changed")
        news_days_changed.connect(receivers.news_days_changed, dispatch_uid="news.news_days_changed")
        session_cancelled.connect(receivers.session_cancelled, dispatch_uid="news.session_cancelled")
        post_delete.connect(tally.clock_deleted, sender=NewsDue, dispatch_uid="news.tally.clock_deleted")
