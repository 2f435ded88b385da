"""The outbox's tasks: ids in, a service does the work.

No Celery retries: the row keeps the retry state (attempts, send_after) and the sweep sends
it again when due, so a retry survives a lost message, a restarted broker and a dead worker.
"""

from dataclasses import asdict

from celery import shared_task

from . import batches, services


@shared_task(name=services.SEND_TASK)
def send_mail(*, mail_id: int) -> str:
    return services.mail_send(mail_id=mail_id).value


@shared_task(name="outbox.sweep")
def sweep() -> dict[str, int]:
    return asdict(services.mail_sweep())


@shared_task(name="outbox.purge")
def purge() -> int:
    return services.mail_purge_old()


@shared_task(name=batches.SEND_BATCH_TASK)
def send_mails(*, mail_ids: list[int]) -> dict[str, int]:
    return asdict(batches.mail_send_many(mail_ids=mail_ids))
