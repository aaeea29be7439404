"""A deliberately insecure WSGI app for the embedded engine's tests: leaky banners, missing
security headers, weak cookies, a debug error page, a cross-domain script, a timestamp, a
suspicious comment, a form without an anti-CSRF token and a wildcard CORS endpoint."""

from __future__ import annotations

import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

STAMP = str(int(time.time()) - 3600)

PAGES = {
    "/": ("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("X-Powered-By", "PHP/5.6.40"),
                     ("Set-Cookie", "session=abc123; Path=/")],
          """<html><head><title>Shop</title>
<script src="https://cdn.evil.example/tracker.js"></script></head>
<body><!-- TODO: remove the debug console before release -->
<a href="/login">Log in</a> <a href="/error">Broken page</a> <a href="/api/data">API</a>
<a href="https://elsewhere.example/">elsewhere</a>
</body></html>"""),
    "/login": ("200 OK", [("Content-Type", "text/html")],
               """<html><body><form method="post" action="/login"><input name="username"><input type="password" name="password">
<input type="submit" value="Go"></form></body></html>"""),
    "/error": ("200 OK", [("Content-Type", "text/html")],
               "<html><body><h1>Oops</h1><pre>PHP Warning: mysql error is ... You have an error in your SQL syntax</pre></body></html>"),
    "/api/data": ("200 OK", [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*")],
                  '{"items": [], "generated": ' + STAMP + "}"),
    "/robots.txt": ("200 OK", [("Content-Type", "text/plain")], "User-agent: *\nDisallow: /hidden/admin\n"),
    "/hidden/admin": ("200 OK", [("Content-Type", "text/html")], "<html><body>admin area</body></html>"),
}


def app(environ, start_response):
    status, headers, body = PAGES.get(environ["PATH_INFO"], ("404 Not Found", [("Content-Type", "text/plain")], "nope"))
    if environ["PATH_INFO"] == "/login" and environ["REQUEST_METHOD"] == "POST":
        status, body = "302 Found", ""
        headers = [("Location", "/"), ("Content-Type", "text/html")]
    data = body.encode()
    start_response(status, headers + [("Content-Length", str(len(data)))])
    return [data]


class _Quiet(WSGIRequestHandler):

    def log_message(self, *args):
        pass


def start() -> tuple[WSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"
