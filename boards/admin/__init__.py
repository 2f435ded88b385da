"""Boards, memberships, invitations, lists and labels in Django admin.

Every write goes through boards.services with actor=request.user (see boards.admin_writes:
the admin acts with the staff user's own role on each board). Changelists read what they
show in a fixed number of queries: related rows with list_select_related, counts as
subqueries.
"""

# Registered as they are imported.
from . import board_admin, list_admin, member_admin

__all__ = ["board_admin", "list_admin", "member_admin"]
