"""The WSGI entry point for gunicorn: `gunicorn backoffice.wsgi:app`."""

from werkzeug.middleware.proxy_fix import ProxyFix

from backoffice import create_app
from backoffice.inputs.body_deadline import BodyDeadline

app = create_app()
app.wsgi_app = BodyDeadline(app.wsgi_app, app.config["BODY_READ_TIMEOUT_SECONDS"])
if app.config["PROXY_HOPS"]:
    # Behind N trusted reverse proxies the client address arrives in X-Forwarded-For; never trust it otherwise.
    hops = app.config["PROXY_HOPS"]
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
