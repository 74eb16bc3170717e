"""Celery tasks of accounts: build a person's data export, expire old archives. Thin, take ids."""

from celery import shared_task

from accounts import services


@shared_task(
    name="accounts.build_data_export",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def build_data_export(export_id: int) -> None:
    services.data_export_build(export_id=export_id)


@shared_task(name="accounts.expire_data_exports")
def expire_data_exports() -> int:
    """Periodic: remove archives past HITREC_DATA_EXPORT_DAYS (schedule it with celery beat)."""
    return services.data_exports_expire()


@shared_task(
    name="accounts.send_password_reset",
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_password_reset(email: str) -> int:
    """Takes the address, not an id: the request is answered alike whether it names an
    account or not, so the lookup happens here (accounts.services.password_reset_request)."""
    return services.password_reset_send(email=email)


@shared_task(
    name="accounts.send_address_verification",
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_address_verification(user_id: int, field: str) -> bool:
    return services.address_verification_send(user_id=user_id, field=field)


@shared_task(
    name="accounts.send_address_changed",
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_address_changed(user_id: int, old_email: str) -> bool:
    """Takes the old address: the account no longer holds it."""
    return services.address_changed_send(user_id=user_id, old_email=old_email)
