"""Where emails go: the council's SMTP relay (the default), GOV.UK Notify, or a folder on a laptop.

Each backend raises `TemporaryFailure` when trying again later may work (the
relay is down, a 4xx answer, Notify's rate limit) and `PermanentFailure` when
it will not (the address was refused, or a setting must change); the queue
retries only the first. Each says which kind of problem it is (`EmailProblem`)
in words the admin's page shows: the relay's code, never its words (which may
repeat the address) and never the message, so no link reaches a log or a page.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from ..models import EmailProblem
from .messages import Message


class Failure(Exception):
    """An email not sent: `problem` (an EmailProblem) and a reason in plain words for the admin's page.

    `may_have_arrived` when the relay may have taken the message before the line dropped: the
    worker cannot know, and such an invitation is never given a second link.
    """

    def __init__(self, reason: str, problem: EmailProblem, *, may_have_arrived: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.problem, self.may_have_arrived = reason, problem, may_have_arrived


class TemporaryFailure(Failure):
    """Worth trying again later."""

    def __init__(self, reason: str, problem: EmailProblem = EmailProblem.UNREACHABLE, *,
                 may_have_arrived: bool = False) -> None:
        super().__init__(reason, problem, may_have_arrived=may_have_arrived)


class PermanentFailure(Failure):
    """Trying again will not help."""

    def __init__(self, reason: str, problem: EmailProblem = EmailProblem.ADDRESS, *,
                 may_have_arrived: bool = False) -> None:
        super().__init__(reason, problem, may_have_arrived=may_have_arrived)


class Backend(Protocol):
    def send(self, message: Message, subject: str, body: str) -> None: ...


def _email(sender: str, message: Message, subject: str, body: str) -> EmailMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, message["to"], subject
    email["Date"] = formatdate(localtime=True)
    # Made when the email was queued, so every try carries the same one (a relay can spot a second copy).
    email["Message-ID"] = message.get("message_id") or message_id(sender)
    email.set_content(body)
    return email


def message_id(sender: str) -> str:
    """A unique Message-ID in the sender's own domain (RFC 5322 3.6.4)."""
    return make_msgid(domain=sender.rpartition("@")[2] or "localhost")


def _code(code: int, answer: bytes | str) -> str:
    """The relay's code and, when it gave one, its enhanced status code (`550 5.1.1`): never its words,
    which may repeat the address."""
    words = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    enhanced = re.match(r"\s*([245]\.\d{1,3}\.\d{1,3})\b", words)
    return f"{code} {enhanced.group(1)}" if enhanced else str(code)


class _Connection(smtplib.SMTP):
    """smtplib's client, noting when the message itself starts to go: after that a dropped line leaves
    it unknown whether the relay took it."""

    handing_over = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.handing_over = True
        return super().data(msg)


class SmtpBackend:
    """The council's relay: STARTTLS and a login when configured. Each failure is named in words
    that say what to change (the setting, by name) or that the address was refused."""

    def __init__(self, host: str, port: int, *, starttls: bool, user: str, password: str, sender: str,
                 timeout: float) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self.password, self.sender, self.timeout = user, password, sender, timeout

    @property
    def relay(self) -> str:
        return f"the email server at {self.host}:{self.port}"

    def send(self, message: Message, subject: str, body: str) -> None:
        email = _email(self.sender, message, subject, body)
        try:
            smtp = _Connection(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise self._unreachable(exc) from None
        try:
            self._secure(smtp)
            self._log_in(smtp)
            self._hand_over(smtp, email)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()  # the relay has answered for the message already: a failed goodbye changes nothing

    def _unreachable(self, exc: BaseException) -> TemporaryFailure:
        hint = ""
        if isinstance(exc, (TimeoutError, smtplib.SMTPServerDisconnected)) and self.port == 465:
            hint = (" Port 465 expects TLS from the first byte, which this service does not speak: use the "
                    "relay's submission port (587, SMTP_PORT=587) with SMTP_STARTTLS=true.")
        return TemporaryFailure(f"{self.relay} could not be reached ({type(exc).__name__}). Check SMTP_HOST and "
                                f"SMTP_PORT.{hint}")

    def _secure(self, smtp: _Connection) -> None:
        if not self.starttls:
            return
        try:
            smtp.starttls(context=ssl.create_default_context())
        except smtplib.SMTPNotSupportedError:
            raise PermanentFailure(
                f"{self.relay} does not offer STARTTLS, and SMTP_STARTTLS is on, so nothing was sent. Ask "
                "the relay's administrators to turn STARTTLS on, or use the port where it offers it (usually "
                "587); set SMTP_STARTTLS=false only for a relay on a network you trust.",
                EmailProblem.CONFIGURATION) from None
        except ssl.SSLCertVerificationError as exc:
            raise PermanentFailure(
                f"{self.relay}'s certificate could not be verified ({exc.verify_message}), so nothing was sent. "
                "SMTP_HOST must be the name on the relay's certificate, and the certificate must be trusted "
                "by this machine.", EmailProblem.CONFIGURATION) from None
        except smtplib.SMTPResponseException as exc:
            raise TemporaryFailure(f"{self.relay} would not start TLS (code {exc.smtp_code}).") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._unreachable(exc) from None

    def _log_in(self, smtp: _Connection) -> None:
        if not self.user:
            return
        try:
            smtp.login(self.user, self.password)
        except smtplib.SMTPNotSupportedError:
            raise PermanentFailure(
                f"{self.relay} does not offer a login, and SMTP_USER is set"
                f"{'' if self.starttls else ' (many relays offer it only after STARTTLS: SMTP_STARTTLS=true)'}.",
                EmailProblem.CONFIGURATION) from None
        except smtplib.SMTPAuthenticationError as exc:
            failure = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
            raise failure(f"{self.relay} refused the login (code {exc.smtp_code}): check SMTP_USER and "
                          "SMTP_PASSWORD.", EmailProblem.CONFIGURATION) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._unreachable(exc) from None

    def _hand_over(self, smtp: _Connection, email: EmailMessage) -> None:
        try:
            smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            ((code, answer),) = exc.recipients.values()  # one address an email
            raise self._refused_address(code, answer) from None
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code < 500:
                raise TemporaryFailure(f"{self.relay} asked to try again later ({_code(exc.smtp_code, exc.smtp_error)}).",
                                       EmailProblem.CONFIGURATION) from None
            raise PermanentFailure(f"{self.relay} refused the sender address, EMAIL_FROM "
                                   f"({_code(exc.smtp_code, exc.smtp_error)}): it must be an address the relay lets "
                                   "this service send from.", EmailProblem.CONFIGURATION) from None
        except smtplib.SMTPResponseException as exc:  # the relay answered the message itself with an error
            answered = _code(exc.smtp_code, exc.smtp_error)
            if exc.smtp_code < 500:
                raise TemporaryFailure(f"{self.relay} asked to try again later ({answered}).") from None
            raise PermanentFailure(f"{self.relay} refused the email itself ({answered}): ask IT to check its rules "
                                   "for email from EMAIL_FROM.", EmailProblem.MESSAGE) from None
        except (OSError, smtplib.SMTPException) as exc:
            if smtp.handing_over:
                raise TemporaryFailure(f"the line to {self.relay} dropped while it was taking the email "
                                       f"({type(exc).__name__}): it may have arrived.", may_have_arrived=True) from None
            raise self._unreachable(exc) from None

    def _refused_address(self, code: int, answer: bytes) -> Failure:
        codes = _code(code, answer)
        if code < 500:
            return TemporaryFailure(f"{self.relay} asked to try again later ({codes}).")
        if " 5.7." in codes:  # security or policy: "relay access denied", "authentication required"
            return PermanentFailure(f"{self.relay} will not take email from this service for this address "
                                    f"({codes}: not allowed). This is usually the relay's settings, not the address: "
                                    "ask IT to let this service send through it (SMTP_USER and SMTP_PASSWORD, or "
                                    "the server's address on the relay's list).", EmailProblem.CONFIGURATION)
        return PermanentFailure(f"{self.relay} refused this address ({codes}): it may be misspelt, or no longer "
                                "in use.", EmailProblem.ADDRESS)


class NotifyBackend:
    """GOV.UK Notify, through its official client: one Notify template per email, filled with the same fields."""

    def __init__(self, api_key: str, base_url: str, templates: dict[str, str]) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key, base_url=base_url)
        self.templates = templates

    def send(self, message: Message, subject: str, body: str) -> None:
        import requests
        from notifications_python_client.errors import APIError

        try:
            self.client.send_email_notification(email_address=message["to"],
                                                template_id=self.templates[message["template"]],
                                                personalisation=message["fields"])
        except APIError as exc:
            if exc.status_code == 429 or exc.status_code >= 500:
                raise TemporaryFailure(f"GOV.UK Notify answered {exc.status_code}: it will be tried again.") from None
            problem = EmailProblem.CONFIGURATION if exc.status_code in (401, 403) else EmailProblem.ADDRESS
            raise PermanentFailure(f"GOV.UK Notify refused it ({exc.status_code})", problem) from None
        except requests.RequestException as exc:
            # A timeout waiting for the answer may come after Notify took the email.
            raise TemporaryFailure(f"GOV.UK Notify could not be reached ({type(exc).__name__})",
                                   may_have_arrived=not isinstance(exc, requests.ConnectionError)) from None


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
