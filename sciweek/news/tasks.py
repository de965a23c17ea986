from django_tasks import task

from . import services


@task()
def send_news_reminders() -> int:
    """Remind the organizations whose activities' news falls due within a day and who have
    reported none yet (once per activity; run hourly)."""
    return services.send_news_reminders()
