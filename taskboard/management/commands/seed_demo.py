"""Demo data for `make run`: idempotent, known passwords printed on every start."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "taskboard-demo"
DEMO_USERS = [
    ("alice@example.com", "Alice Martin", True),
    ("bob@example.com", "Bob Okafor", False),
    ("carol@example.com", "Carol Nguyen", False),
]


class Command(BaseCommand):
    help = "Create the demo users (and, once boards exist, a demo board). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for email, name, is_staff in DEMO_USERS:
                if not User.objects.filter(email=email).exists():
                    User.objects.create_user(
                        email, DEMO_PASSWORD, name=name, is_staff=is_staff, is_superuser=is_staff
                    )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, name, is_staff in DEMO_USERS:
            role = "  (staff: /admin/)" if is_staff else ""
            self.stdout.write(f"  {email:<22} {name}{role}")
