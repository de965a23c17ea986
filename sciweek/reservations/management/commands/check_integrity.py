from django.core.management.base import BaseCommand, CommandError

from sciweek.reservations.integrity import violations


class Command(BaseCommand):
    help = "Check reservation invariants: seats_taken equals confirmed seats, within capacity, check-ins valid."

    def handle(self, *args, **options):
        problems = violations()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} integrity problem(s)")
        self.stdout.write("OK: reservation invariants hold.")
