"""Boards, who is on them (memberships, invitations), their lists and labels."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"

    @property
    def rank(self) -> int:
        """Higher outranks lower: a role may do everything the roles below it may."""
        return ROLE_RANKS[self]


ROLE_RANKS: dict[Role, int] = {Role.VIEWER: 1, Role.MEMBER: 2, Role.ADMIN: 3, Role.OWNER: 4}


class Board(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    # The description as safe HTML, rendered when it is written (as tasks' descriptions are).
    description_html = models.TextField(blank=True)
    archived = models.BooleanField(default=False)
    # Viewers may comment too (issue 13): off by default, set by admins.
    viewers_can_comment = models.BooleanField(default=False)
    # The ETag and cache key of the board: bumped by every change to it or anything on it.
    version = models.PositiveIntegerField(default=1)
    # The seq of the board's latest Activity; the next one gets event_seq + 1 under the
    # board's row lock, so the sequence has no gaps and follows commit order.
    event_seq = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Membership(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["board", "user"], name="boards_membership_board_user_unique"),
            models.UniqueConstraint(
                fields=["board"], condition=models.Q(role="owner"), name="boards_membership_one_owner"
            ),
        ]
        # (board, user) is covered by the unique constraint; "my boards" starts from the user.
        indexes = [models.Index(fields=["user", "board"], name="boards_membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.board_id} as {self.role}"


def invitation_expiry(start: datetime | None = None) -> datetime:
    """When an invitation made at `start` (default: now) stops working."""
    return (start or timezone.now()) + timedelta(days=getattr(settings, "INVITATION_TTL_DAYS", 7))


class Invitation(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(
        max_length=10,
        choices=[(role.value, role.label) for role in Role if role != Role.OWNER],
        default=Role.MEMBER,
    )
    # sha256 hex of the token mailed to the invitee: a database leak gives no usable links.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["board", "email"], name="boards_invitation_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} to {self.board_id}"


class BoardList(models.Model):
    """A column of a board. Positions are sparse keys (see writes.ordering)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="lists")
    title = models.CharField(max_length=200)
    position = models.BigIntegerField()
    wip_limit = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "boards_list"
        ordering = ["board", "position", "id"]
        constraints = [
            # Deferred, so a renumbering pass may swap positions inside one transaction.
            models.UniqueConstraint(
                fields=["board", "position"],
                name="boards_list_board_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return self.title


color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", "Enter a color as #rrggbb.")


class Label(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=50)
    color = models.CharField(max_length=7, validators=[color_validator])

    class Meta:
        ordering = ["board", "name", "id"]
        constraints = [
            models.UniqueConstraint("board", Lower("name"), name="boards_label_board_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name
