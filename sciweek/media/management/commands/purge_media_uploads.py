from django.core.management.base import BaseCommand

from sciweek.media.services import purge_expired_uploads


class Command(BaseCommand):
    help = "Remove expired unfinished media uploads and their temp files (run daily)."

    def handle(self, *args, **options):
        self.stdout.write(f"{purge_expired_uploads()} expired uploads removed")
