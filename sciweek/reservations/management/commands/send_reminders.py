from django.core.management.base import BaseCommand

from sciweek.reservations.tasks import send_reminders


class Command(BaseCommand):
    help = "Enqueue the day-before reminders for booked sessions (run hourly, e.g. from cron)."

    def handle(self, *args, **options):
        result = send_reminders.enqueue()
        self.stdout.write(f"Enqueued reminders task {result.id}")
