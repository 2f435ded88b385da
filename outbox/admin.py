"""The outbox in the admin: what was sent, what is waiting, what failed and why."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import OutboxMail

SENSITIVE_BODY = "(not shown: it carries a secret link; blanked once sent or failed)"


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    list_display = (
        "id", "kind", "to_address", "recipient", "state", "attempts", "short_error",
        "send_after", "sent_at", "created_at",
    )  # fmt: skip
    list_filter = ("state", "kind")
    search_fields = ("key", "to_address", "subject")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    actions = ("retry_failed",)
    fields = (
        "key", "kind", "recipient", "to_address", "state", "attempts", "last_error",
        "send_after", "queued_at", "claimed_at", "sent_at", "created_at",
        "subject", "headers", "sensitive", "text", "html",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMail | None = None) -> bool:
        # Rows are written by the services only; the bodies are shown, never edited.
        return False

    # A sensitive body carries a secret link (password reset, invitation, verification):
    # never shown, not even while the mail waits (it is blanked once sent or failed).
    @admin.display(description="text body")
    def text(self, mail: OutboxMail) -> str:
        return SENSITIVE_BODY if mail.sensitive else mail.text_body

    @admin.display(description="HTML body")
    def html(self, mail: OutboxMail) -> str:
        return SENSITIVE_BODY if mail.sensitive else mail.html_body

    @admin.display(description="error")
    def short_error(self, mail: OutboxMail) -> str:
        return mail.last_error[:80]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("outbox.change_outboxmail")

    @admin.action(description="Send the selected failed mails again", permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutboxMail]) -> None:
        count = services.mail_retry_failed(mail_ids=list(queryset.values_list("id", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, f"{count} mail(s) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected mail(s) had not failed, or carried a secret link that is no"
                " longer kept (the person asks for a new one).",
                messages.WARNING,
            )
