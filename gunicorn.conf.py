"""gunicorn's settings for this app (read from the working directory; `gunicorn wsgi:app`).

Which proxy to believe is the app's decision, not gunicorn's: TRUSTED_PROXIES tells the app how many
proxies in front of it set X-Forwarded-Proto and -For (werkzeug's ProxyFix, surveyapp/headers.py).
gunicorn, left to itself, believes X-Forwarded-Proto from any client on 127.0.0.1 or a unix socket,
whatever TRUSTED_PROXIES says; so here it believes none, and a request is secure only when it came
over TLS to gunicorn itself or through a proxy the council has declared.
"""

forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
