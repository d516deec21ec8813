"""Single sign-on with the council's OpenID Connect provider (Microsoft Entra ID, for most councils), by Authlib.

Authlib reads the provider's discovery document, sends the person there with `state`, a `nonce` and a
PKCE challenge (S256) kept in the session, and on the way back checks the state, exchanges the code with
the verifier and checks the ID token's signature, issuer, audience, expiry and nonce. The person is then
matched to an invited account (`accounts.match_sign_in`) and signed in with a fresh server-side session,
as the password path does. Nobody is created here.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, url_for

from .. import audit_log, auth, db
from . import accounts

bp = Blueprint("sso", __name__, url_prefix="/manage/sso")
log = logging.getLogger(__name__)
NAME = "council"
SCOPES = "openid email profile"


def enabled(config: Any) -> bool:
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def init_app(app: Flask) -> None:
    if not enabled(app.config):
        return
    oauth = OAuth(app)
    oauth.register(NAME, client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
                   server_metadata_url=app.config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
                   client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"})
    app.extensions["surveyapp.oidc"] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get("surveyapp.oidc")
    if oauth is None:
        abort(404)
    return oauth.create_client(NAME)


def _refused(reason: str, claims: dict[str, Any] | None = None) -> Any:
    claims = claims or {}
    who = str(claims.get("email") or claims.get("sub") or "(single sign-on)")
    session = db.session()
    session.rollback()  # nothing of a refused sign-in is kept (a subject matched to a deactivated account)
    found = accounts.by_email(session, who) if "@" in who else None
    audit_log.record(session, who, audit_log.SIGN_IN_FAILED, council_id=found.council_id if found else None,
                     detail={"method": "single sign-on", "reason": reason}, commit=True)
    return render_template("users/sso_refused.html", reason=reason), 403


@bp.get("/start")
def start() -> Any:
    redirect_uri = current_app.config["BASE_URL"] + url_for("sso.callback")
    try:
        return _client().authorize_redirect(redirect_uri)
    except requests.RequestException:
        log.warning("single sign-on: the provider's discovery document could not be read")
        return render_template("users/sso_refused.html",
                               reason="Your council's sign-in service cannot be reached. Try again in a few minutes, "
                                      "or sign in with your password."), 503


@bp.get("/callback")
def callback() -> Any:
    client = _client()
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if "email" not in claims:  # some providers put the email in the userinfo response only
            more = dict(client.userinfo(token=token))
            if more.get("sub") != claims.get("sub"):
                return _refused("Your council's sign-in service answered for someone else.", claims)
            claims = {**more, **claims}
    except OAuthError as error:
        log.info("single sign-on refused by the provider or the checks: %s", error.error)
        return _refused("The sign-in did not complete. Start again from the sign-in page.")
    except requests.RequestException:
        return _refused("Your council's sign-in service cannot be reached. Try again in a few minutes.")
    user, reason = accounts.match_sign_in(db.session(), claims)
    if user is None:
        return _refused(reason, claims)
    db.session().commit()
    auth.sign_in(user)  # a fresh session, recorded on the server, as the password path
    audit_log.record(db.session(), user, audit_log.SIGN_IN, detail={"method": "single sign-on"}, commit=True)
    return redirect(url_for("manage.dashboard"))
