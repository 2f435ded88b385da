"""A mail's three parts rendered from its templates, in the transaction that enqueues it."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def mail_render(*, template: str, context: Mapping[str, object]) -> RenderedMail:
    """`<template>_subject.txt` (folded onto one line), `<template>.txt`, `<template>.html`."""
    values = dict(context)
    subject = " ".join(render_to_string(f"{template}_subject.txt", values).split())
    return RenderedMail(
        subject=subject,
        text=render_to_string(f"{template}.txt", values),
        html=render_to_string(f"{template}.html", values),
    )
