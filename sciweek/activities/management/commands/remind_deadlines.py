from django.core.management.base import BaseCommand

from sciweek.activities.notifications import remind_filing_deadlines


class Command(BaseCommand):
    help = "Remind filers of approaching filing deadlines (run daily, e.g. from cron)."

    def handle(self, *args, **options):
        self.stdout.write(f"Reminders sent: {remind_filing_deadlines()}")
