"""Where emails go: the council's SMTP relay (the default), GOV.UK Notify, or a folder on a laptop.

Each backend raises `TemporaryFailure` when trying again later may work (the
relay is down, a 4xx answer, Notify's rate limit) and `PermanentFailure` when
it will not (the address was refused); the queue retries only the first.
Errors name the problem, never the message, so no link reaches a log.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from .messages import Message


class TemporaryFailure(Exception):
    """Worth trying again later."""


class PermanentFailure(Exception):
    """Trying again will not help."""


class Backend(Protocol):
    def send(self, message: Message, subject: str, body: str) -> None: ...


def _email(sender: str, message: Message, subject: str, body: str) -> EmailMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, message["to"], subject
    email.set_content(body)
    return email


class SmtpBackend:
    """The council's relay: STARTTLS and a login when configured."""

    def __init__(self, host: str, port: int, *, starttls: bool, user: str, password: str, sender: str,
                 timeout: float) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self.password, self.sender, self.timeout = user, password, sender, timeout

    def send(self, message: Message, subject: str, body: str) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(_email(self.sender, message, subject, body))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted(code for code, _ in exc.recipients.values())
            failure = PermanentFailure if codes and min(codes) >= 500 else TemporaryFailure
            raise failure(f"the relay refused the address (code {codes})") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise TemporaryFailure(f"the relay refused the login (code {exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            failure = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
            raise failure(f"the relay answered code {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"the relay could not be reached ({type(exc).__name__})") from None


class NotifyBackend:
    """GOV.UK Notify, through its official client: one Notify template per email, filled with the same fields."""

    def __init__(self, api_key: str, base_url: str, templates: dict[str, str]) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key, base_url=base_url)
        self.templates = templates

    def send(self, message: Message, subject: str, body: str) -> None:
        from notifications_python_client.errors import APIError

        try:
            self.client.send_email_notification(email_address=message["to"],
                                                template_id=self.templates[message["template"]],
                                                personalisation=message["fields"])
        except APIError as exc:
            failure = TemporaryFailure if exc.status_code == 429 or exc.status_code >= 500 else PermanentFailure
            raise failure(f"GOV.UK Notify answered {exc.status_code}") from None


class OutboxBackend:
    """Development only (`make run`): each email is written to a file in a folder, nothing is sent."""

    def __init__(self, folder: str, sender: str) -> None:
        self.folder, self.sender = Path(folder), sender

    def send(self, message: Message, subject: str, body: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{message['template']}-{uuid.uuid4().hex[:12]}.eml"
        path.write_bytes(bytes(_email(self.sender, message, subject, body)))


def can_send(config: Any) -> bool:
    return config["EMAIL_BACKEND"] != "none"


def backend_for(config: Any) -> Backend:
    name = config["EMAIL_BACKEND"]
    if name == "smtp":
        return SmtpBackend(config["SMTP_HOST"], config["SMTP_PORT"], starttls=config["SMTP_STARTTLS"],
                           user=config["SMTP_USER"], password=config["SMTP_PASSWORD"], sender=config["EMAIL_FROM"],
                           timeout=config["SMTP_TIMEOUT_SECONDS"])
    if name == "notify":
        return NotifyBackend(config["NOTIFY_API_KEY"], config["NOTIFY_BASE_URL"],
                             {"invitation": config["NOTIFY_INVITATION_TEMPLATE"],
                              "reminder": config["NOTIFY_REMINDER_TEMPLATE"],
                              "account_invitation": config["NOTIFY_ACCOUNT_TEMPLATE"],
                              "password_reset": config["NOTIFY_RESET_TEMPLATE"]})
    if name == "outbox":
        return OutboxBackend(config["OUTBOX_DIR"], config["EMAIL_FROM"])
    raise PermanentFailure(f"EMAIL_BACKEND={name!r} cannot send email")
