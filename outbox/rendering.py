"""A mail's three parts rendered from its templates, in the transaction that enqueues it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OutboxMail

# The subject column's length: a card's title (up to 200 characters) with a board's name and
# the wording around them can be longer, and the mail must still go out.
SUBJECT_MAX_LENGTH = OutboxMail._meta.get_field("subject").max_length or 255


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def mail_render(*, template: str, context: Mapping[str, object]) -> RenderedMail:
    """`<template>_subject.txt` (folded onto one line), `<template>.txt`, `<template>.html`.

    Times render in UTC (a template shows another zone with {% timezone %}): the mail is
    rendered in the request that causes it and must not take that request's zone, which is
    the sender's, not the reader's (the worker that rendered it before used UTC)."""
    values = {"site_url": settings.SITE_URL, **context}  # the frame's link (templates/email/base.html)
    with timezone.override(UTC):
        subject = " ".join(render_to_string(f"{template}_subject.txt", values).split())
        return RenderedMail(
            subject=bounded_subject(subject),
            text=render_to_string(f"{template}.txt", values),
            html=render_to_string(f"{template}.html", values),
        )


def bounded_subject(subject: str) -> str:
    """The subject cut to the column's length, with an ellipsis when cut."""
    if len(subject) <= SUBJECT_MAX_LENGTH:
        return subject
    return subject[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"
