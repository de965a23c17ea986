from django.core.management.base import BaseCommand

from sciweek.demo import demo_data
from sciweek.demo.live import live_campaign
from sciweek.demo.loader import load_demo


class Command(BaseCommand):
    help = ("Load the demo (idempotent): organizer network, the 2020 campaign, Hebei's plan, demo accounts, and "
            "the live campaign of this year with dates relative to today (built again when run on another day).")

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, quiet=False, **options):
        campaign, accounts = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {campaign.name}「{campaign.theme}」"))
        live = live_campaign()
        if live is not None:
            self.stdout.write(self.style.SUCCESS(
                f"Live demo campaign: {live.name}「{live.theme}」 week {live.starts_on}..{live.ends_on}, "
                f"filing open, sessions from {live.activities_from} (rebuilt when loaded on another day)"))
        if quiet:
            return
        self.stdout.write(f"\nDemo accounts (password for all: {demo_data.DEMO_PASSWORD})")
        self.stdout.write("Admins must also enter a TOTP code: add the secret to an authenticator app,")
        self.stdout.write("or print the current code with:  sciweek demo_totp <username>\n")
        self.stdout.write(f"{'username':<22} {'role':<13} {'organization':<26} TOTP secret")
        for username, org, role, secret in accounts:
            self.stdout.write(f"{username:<22} {role:<13} {org:<26} {secret}")
