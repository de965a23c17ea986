"""Make the summary-report rows of everyone expected to report for a campaign (after a bulk
import of filings, or as a nightly check): ``sciweek sync_reports 2020``."""
from django.core.management.base import BaseCommand, CommandError

from sciweek.campaigns.models import Campaign
from sciweek.reports import services


class Command(BaseCommand):
    help = "Make the summary-report rows of every organization expected to report for a campaign."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)

    def handle(self, *args, year, **options):
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"no campaign for {year}")
        result = services.sync_expected_reports(campaign)
        self.stdout.write(f"{year}: {result['made']} made, {result['no_longer_expected']} no longer expected, "
                          f"{result['deadlines_refreshed']} deadlines refreshed")
