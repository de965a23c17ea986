from django_tasks import task

from . import services


@task()
def send_news_reminders() -> int:
    """Remind the organizations whose activities' news falls due within a day and who have
    reported none yet (once per activity; run hourly)."""
    return services.send_news_reminders()


@task()
def resync_news_dues(campaign_id: int) -> dict:
    """Move every clock of a campaign to the days that bind it now (after the campaign's or a
    plan's days changed): the nation's 200,000 clocks take about a minute, so not in a request."""
    from sciweek.campaigns.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return services.rebuild_news_dues(campaign) if campaign is not None else {}
