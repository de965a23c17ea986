from django.core.management.base import BaseCommand

from sciweek.organizations.services import DIVISION_SOURCE, load_divisions


class Command(BaseCommand):
    help = "Load China's provincial, prefecture and county divisions (GB/T 2260) from the vendored registry data."

    def handle(self, *args, **options):
        counts = load_divisions()
        self.stdout.write(
            f"Loaded divisions from {DIVISION_SOURCE}: {counts['provinces']} provincial, "
            f"{counts['prefectures']} prefecture, {counts['counties']} county."
        )
