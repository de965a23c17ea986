from django.core.management.base import BaseCommand, CommandError

from sciweek.campaigns.models import Campaign
from sciweek.news import services


class Command(BaseCommand):
    help = "Rebuild the news clock (one row per approved activity) of a campaign: back-fill or repair."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)

    def handle(self, *args, year, **options):
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(f"No campaign for {year}.")
        result = services.rebuild_news_dues(campaign)
        self.stdout.write("News clock of {year}: {created} created, {updated} updated, {deleted} deleted, "
                          "{items} items re-measured".format(year=year, **result))
