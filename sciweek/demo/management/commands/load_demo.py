from django.core.management.base import BaseCommand

from sciweek.demo import demo_data
from sciweek.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the 2020 demo (idempotent): organizer network, campaign, Hebei's plan, demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, quiet=False, **options):
        campaign, accounts = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {campaign.name}「{campaign.theme}」"))
        if quiet:
            return
        self.stdout.write(f"\nDemo accounts (password for all: {demo_data.DEMO_PASSWORD})")
        self.stdout.write("Admins must also enter a TOTP code: add the secret to an authenticator app,")
        self.stdout.write("or print the current code with:  sciweek demo_totp <username>\n")
        self.stdout.write(f"{'username':<22} {'role':<13} {'organization':<26} TOTP secret")
        for username, org, role, secret in accounts:
            self.stdout.write(f"{username:<22} {role:<13} {org:<26} {secret}")
