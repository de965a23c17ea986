from django.core.management.base import BaseCommand

from sciweek.quiz.tasks import close_overdue_attempts


class Command(BaseCommand):
    help = "Close and score quiz attempts left open past their deadline (run every minute, e.g. from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="enqueue the task for the worker instead")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = close_overdue_attempts.enqueue()
            self.stdout.write(f"Enqueued the quiz sweep task {result.id}")
            return
        self.stdout.write(f"Quiz attempts closed: {close_overdue_attempts.call()}")
