"""Staff survey and health check platform for children's social work."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, Undefined
from jinja2.utils import missing

from . import db, hardening
from . import config as app_config
from . import background

csrf = CSRFProtect()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(app_config.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    app_config.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    _templates(app)
    hardening.init_app(app)  # before the blueprints: it bounds every route's <int:...>
    db.init_app(app)
    background.init_app(app)
    csrf.init_app(app)
    WTFormsHelpers(app)

    from . import auth, errors, headers, limits, logs, same_origin
    from .health import bp as health_bp
    from .cli import register_commands
    from .audit_log import web as audit_web
    from .manage.emails import bp as emails_bp
    from .manage.run_admin import bp as run_admin_bp
    from .home.views import bp as home_bp
    from .manage.views import bp as manage_bp
    from .org.views import bp as org_bp
    from .respond.views import bp as respond_bp
    from .results.views import bp as results_bp
    from .themes.views import bp as themes_bp
    from .themes.correct import bp as corrections_bp
    from .leavers.views import bp as leavers_bp
    from .moderation.views import bp as moderation_bp
    from .action_plans.views import bp as plans_bp
    from .action_plans.public import bp as public_plans_bp
    from .reports.views import bp as reports_bp
    from .users import sso
    from .users.views import bp as users_bp

    for part in (auth, errors, logs, headers, same_origin, limits, audit_web, sso):
        part.init_app(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(emails_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(themes_bp)
    app.register_blueprint(corrections_bp)
    app.register_blueprint(leavers_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(public_plans_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(run_admin_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(sso.bp)
    register_commands(app)
    return app


class NameStrictUndefined(Undefined):
    """Printing a name the view never passed is a bug: fail loudly, not with a blank.

    Unlike jinja2's StrictUndefined, truth tests and missing keys of a dict stay
    lenient, because the GOV.UK macros test optional parameters that way.
    """

    def __str__(self) -> str:
        if self._undefined_obj is missing:
            self._fail_with_undefined_error()
        return super().__str__()

    def __iter__(self):
        if self._undefined_obj is missing:
            self._fail_with_undefined_error()
        return super().__iter__()


def _templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([
        PackageLoader("surveyapp"),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.undefined = NameStrictUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    def chrome() -> dict[str, Any]:
        return {
            "council_name": app.config["COUNCIL_NAME"],
            "service_name": "Staff health check",
            "service_url": "/",
            "navigation": [],
            "min_group_figures": app.config["MIN_GROUP_FOR_FIGURES"],
            "min_group_comments": app.config["MIN_GROUP_FOR_COMMENTS"],
            "hidden": "Hidden",  # how every hidden figure is written (disclosure.reader.HIDDEN)
        }

    app.context_processor(chrome)
    app.extensions["surveyapp.chrome"] = chrome  # the error page renders with it when all else fails
