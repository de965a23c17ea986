from django.core.management.base import BaseCommand, CommandError

from sciweek.demo.national_data import DEFAULT_ACTIVITIES, DEFAULT_ORGANIZATIONS, generate


class Command(BaseCommand):
    help = ("Build a national-scale dataset on the 2020 demo (loads the demo first if needed): cities, counties "
            "and units of every province, and approved activities all over the country, with sessions and the "
            "search index. Run again, it tops up to the targets. Everything is flagged as demo data.")

    def add_arguments(self, parser):
        parser.add_argument("--organizations", type=int, default=DEFAULT_ORGANIZATIONS,
                            help=f"at least this many organizations in all (default {DEFAULT_ORGANIZATIONS:,}; "
                                 "every city and county is created whatever the number)")
        parser.add_argument("--activities", type=int, default=DEFAULT_ACTIVITIES,
                            help=f"at least this many approved 2020 activities in all (default {DEFAULT_ACTIVITIES:,})")

    def handle(self, *args, organizations, activities, **options):
        if organizations < 0 or activities < 0:
            raise CommandError("targets must be positive")
        result = generate(organizations, activities, log=lambda line: self.stdout.write(line))
        self.stdout.write(self.style.SUCCESS(
            "National dataset: {organizations:,} organizations (+{organizations_added:,}), {approved_activities:,} "
            "approved 2020 activities (+{activities_added:,}), {tokens_added:,} search tokens added".format(**result)))
