"""Single sign-on with the council's OpenID Connect provider (Microsoft Entra ID, for most councils), by Authlib.

Authlib reads the provider's discovery document, sends the person there with `state`, a `nonce` and a
PKCE challenge (S256) kept in the session, and on the way back checks the state, exchanges the code with
the verifier and checks the ID token's signature and nonce. This module adds what Authlib leaves to the
app: the discovery document must name exactly `OIDC_ISSUER` as its issuer (OpenID Connect Discovery 4.3),
and the ID token's `iss` must be exactly `OIDC_ISSUER`, its `aud` this app's client id, and it must not
have expired (two minutes allowed for clocks that differ). The person is then matched to an invited
account of the council single sign-on belongs to (`OIDC_COUNCIL`, or the database's one council) by
issuer and subject together (`accounts.match_sign_in`), and signed in with a fresh server-side session,
as the password path does. Nobody is created here. Every refusal, whatever the check that failed, is in
that council's audit log.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, url_for
from joserfc.errors import ClaimError, JoseError
from sqlalchemy import select

from .. import audit_log, auth, db
from ..models import Council
from . import accounts

bp = Blueprint("sso", __name__, url_prefix="/manage/sso")
log = logging.getLogger(__name__)
NAME = "council"
SCOPES = "openid email profile"
LEEWAY_SECONDS = 120  # how far the provider's clock may be from ours
NO_ACCOUNT = "(single sign-on)"  # the audit log's actor when nobody can be named
DID_NOT_COMPLETE = "The sign-in did not complete."
NOT_TRUSTED = ("Your council's sign-in service answered in a way this service cannot trust, so you have not been "
               "signed in.")
UNREACHABLE = ("Your council's sign-in service cannot be reached. Try again in a few minutes, or sign in with "
               "your password.")
NO_COUNCIL = ("Single sign-on is not set up properly: this service holds more than one council, and the setting "
              "OIDC_COUNCIL does not name the council whose accounts it signs in to. Tell your council's IT "
              "service desk, or sign in with your password.")


class Refused(Exception):
    """A sign-in the checks refuse: `check` says which, for the audit log; `reason` is for the person."""

    def __init__(self, check: str, reason: str = NOT_TRUSTED) -> None:
        super().__init__(check)
        self.check, self.reason = check, reason


def enabled(config: Any) -> bool:
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def discovery_url(issuer: str) -> str:
    """Where the issuer's discovery document is (Discovery 4: a trailing slash is not doubled)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def init_app(app: Flask) -> None:
    if not enabled(app.config):
        return
    oauth = OAuth(app)
    oauth.register(NAME, client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
                   server_metadata_url=discovery_url(app.config["OIDC_ISSUER"]),
                   client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"})
    app.extensions["surveyapp.oidc"] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get("surveyapp.oidc")
    if oauth is None:
        abort(404)
    return oauth.create_client(NAME)


def council_id() -> int | None:
    """The council single sign-on signs in to: OIDC_COUNCIL's, or the only council there is."""
    session = db.session()
    slug = current_app.config.get("OIDC_COUNCIL")
    if slug:
        return session.scalar(select(Council.id).where(Council.slug == slug))
    found = session.scalars(select(Council.id).limit(2)).all()
    return found[0] if len(found) == 1 else None


def _checked_provider(client: Any) -> None:
    """The discovery document names exactly OIDC_ISSUER as its issuer (read again next time when it does not)."""
    metadata = client.load_server_metadata()
    if metadata.get("issuer") != current_app.config["OIDC_ISSUER"]:
        client.server_metadata.pop("_loaded_at", None)
        log.warning("single sign-on: the discovery document names the issuer %r, not OIDC_ISSUER %r",
                    metadata.get("issuer"), current_app.config["OIDC_ISSUER"])
        raise Refused("the discovery document names another issuer")


def _claims_options() -> dict[str, Any]:
    return {"iss": {"essential": True, "value": current_app.config["OIDC_ISSUER"]},
            "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
            "sub": {"essential": True}, "exp": {"essential": True}}


def _refused(reason: str, council: int | None, claims: dict[str, Any] | None = None, check: str | None = None,
             status: int = 403) -> Any:
    claims = claims or {}
    who = str(claims.get("email") or NO_ACCOUNT)
    session = db.session()
    session.rollback()  # nothing of a refused sign-in is kept (a subject matched to a deactivated account)
    audit_log.record(session, who, audit_log.SIGN_IN_FAILED, council_id=council,
                     detail={"method": "single sign-on", "reason": reason, **({"check": check} if check else {})},
                     commit=True)
    return render_template("users/sso_refused.html", reason=reason, checks_failed=check is not None), status


@bp.get("/start")
def start() -> Any:
    council = council_id()
    if council is None:
        return _refused(NO_COUNCIL, None, check="OIDC_COUNCIL names no council", status=503)
    redirect_uri = current_app.config["BASE_URL"] + url_for("sso.callback")
    client = _client()
    try:
        _checked_provider(client)
        return client.authorize_redirect(redirect_uri)
    except Refused as refusal:
        return _refused(refusal.reason, council, check=refusal.check)
    except requests.RequestException:
        log.warning("single sign-on: the provider's discovery document could not be read")
        return render_template("users/sso_refused.html", reason=UNREACHABLE, checks_failed=True), 503


@bp.get("/callback")
def callback() -> Any:
    council = council_id()
    if council is None:
        return _refused(NO_COUNCIL, None, check="OIDC_COUNCIL names no council", status=503)
    try:
        claims = _signed_in_claims(_client())
    except Refused as refusal:
        log.info("single sign-on refused: %s", refusal.check)
        return _refused(refusal.reason, council, check=refusal.check)
    except requests.RequestException:
        return _refused(UNREACHABLE, council, check="the provider could not be reached")
    user, reason = accounts.match_sign_in(db.session(), claims, issuer=current_app.config["OIDC_ISSUER"],
                                          council_id=council)
    if user is None:
        return _refused(reason, council, claims)
    db.session().commit()
    auth.sign_in(user)  # a fresh session, recorded on the server, as the password path
    audit_log.record(db.session(), user, audit_log.SIGN_IN, detail={"method": "single sign-on"}, commit=True)
    return redirect(url_for("manage.dashboard"))


def _signed_in_claims(client: Any) -> dict[str, Any]:
    """The ID token's claims (with the userinfo endpoint's, where the token has no email), once every check
    has passed; raises Refused saying which did not."""
    if request.args.get("error"):
        raise Refused(f"the provider answered: {request.args['error'][:100]}", DID_NOT_COMPLETE)
    _checked_provider(client)
    try:
        token = client.authorize_access_token(claims_options=_claims_options(), leeway=LEEWAY_SECONDS)
    except MismatchingStateError:
        raise Refused("the state is not this browser's", DID_NOT_COMPLETE)
    except OAuthError as error:
        raise Refused(f"the provider refused the code: {str(error.error)[:100]}", DID_NOT_COMPLETE)
    except ClaimError as error:
        raise Refused(f"the ID token is not valid: {error.claim}")
    except JoseError as error:
        raise Refused(f"the ID token is not valid: {error.error}")
    if not token.get("userinfo"):
        raise Refused("the provider sent no ID token")
    claims = dict(token["userinfo"])
    if "email" not in claims:  # some providers put the email in the userinfo response only
        try:
            more = dict(client.userinfo(token=token))
        except (OAuthError, ValueError):
            raise Refused("the userinfo endpoint did not answer")
        if more.get("sub") != claims.get("sub"):
            raise Refused("the userinfo endpoint answered for another subject")
        claims = {**more, **claims}
    return claims
