from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from sciweek.accounts.models import User
from sciweek.demo.loader import demo_totp_key


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo admin account (demo accounts only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not User.objects.filter(username=username, is_demo=True).exists():
            raise CommandError("Not a demo account.")
        self.stdout.write(f"{totp(demo_totp_key(username)):06d}")
