"""HTTPS for the browser tests: a throwaway certificate, a TLS live server, and a TLS proxy.

Over plain http browsers and Flask-WTF skip checks that only bite on TLS (a form over HTTPS with no
Referer was refused, and every test passed over http). So the browser tests' servers speak TLS
with a certificate made here for 127.0.0.1 and localhost, which Chromium is told to accept
(`--ignore-certificate-errors`, in CHROMIUM_ARGS), and `Proxy` terminates TLS in front of a plain
http server as a council's nginx or load balancer would, setting X-Forwarded-Proto, -For and -Host.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import BaseWSGIServer, make_server


@cache
def certificate() -> tuple[str, str]:
    """(certificate file, key file): self-signed, for 127.0.0.1 and localhost, made once per process."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    folder = Path(mkdtemp(prefix="surveyapp-tls-"))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return str(folder / "cert.pem"), str(folder / "key.pem")


def server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate())
    return context


def live_server(app: Any) -> BaseWSGIServer:
    """A threaded werkzeug server for `app` on a free port of 127.0.0.1, over TLS."""
    return make_server("127.0.0.1", 0, app, threaded=True, ssl_context=server_context())


def base_url(server: BaseWSGIServer) -> str:
    return f"https://127.0.0.1:{server.server_port}"


HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-length"}


@contextmanager
def proxy(upstream_port: int) -> Iterator[str]:
    """A TLS-terminating reverse proxy on a free port, forwarding to http://127.0.0.1:upstream_port
    with X-Forwarded-Proto, -For and -Host, as nginx's usual configuration does. Yields its address."""

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP
                       and not k.lower().startswith("x-forwarded-")}
            headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.client_address[0],
                        "X-Forwarded-Host": self.headers.get("Host", "")}
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                upstream.close()

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _forward

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    server.daemon_threads = True
    server.socket = server_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="tls-proxy", daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
