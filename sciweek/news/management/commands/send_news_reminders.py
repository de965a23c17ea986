from django.core.management.base import BaseCommand

from sciweek.news.tasks import send_news_reminders


class Command(BaseCommand):
    help = "Enqueue the news reminders: activities whose news falls due within 24 hours (run hourly, e.g. from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run in this process instead of enqueuing")

    def handle(self, *args, **options):
        if options["now"]:
            from sciweek.news import services

            self.stdout.write(f"Activities reminded: {services.send_news_reminders()}")
            return
        result = send_news_reminders.enqueue()
        self.stdout.write(f"Enqueued news reminders task {result.id}")
