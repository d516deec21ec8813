"""Every results page, export and report a signed-in user opens is recorded: who, when, which run and
unit, in what format. Never the figures. One hook after each request, so no view has to remember."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from .. import db, scope
from . import EXPORT_DOWNLOADED, NAMED_LEAVERS_OPENED, REPORT_OPENED, RESULTS_VIEWED, record

# Blueprints whose pages show a run's figures (a reports package's pages count as reports).
AUDITED_BLUEPRINTS = {"results": RESULTS_VIEWED, "themes": RESULTS_VIEWED, "leavers": RESULTS_VIEWED,
                      "reports": REPORT_OPENED}
AUDITED_ENDPOINTS = {"manage.run": RESULTS_VIEWED,  # the run page shows response rates from the release
                     "moderation.named_leavers": NAMED_LEAVERS_OPENED}  # the one page with leavers' names


def init_app(app: Flask) -> None:
    app.after_request(_record_reading)


def _record_reading(response: Response) -> Response:
    action = AUDITED_ENDPOINTS.get(request.endpoint or "") or AUDITED_BLUEPRINTS.get(request.blueprint or "")
    if (action is None or request.method != "GET" or response.status_code != 200
            or not current_user.is_authenticated):
        return response
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx", "json"):
        action = EXPORT_DOWNLOADED
    session = db.session()
    record(session, current_user._get_current_object(), action,
           run=(request.view_args or {}).get("run_id"), scope=scope.describe(session, current_user),
           detail={"page": request.endpoint, "unit": request.args.get("unit") or "default",
                   **({"question": request.view_args["question_id"]}
                      if request.view_args and "question_id" in request.view_args else {}),
                   **({"format": fmt} if action == EXPORT_DOWNLOADED else {})},
           council_id=current_user.council_id, commit=True)
    return response
