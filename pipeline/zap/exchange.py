"""One recorded HTTP request/response pair, with the content checks ZAP's passive rules share
(``HttpResponseHeader.isHtml/isText``, ``ResourceIdentificationUtils``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import SplitResult, parse_qsl, urlsplit

Headers = tuple[tuple[str, str], ...]

_JS_PATH = re.compile(r"\.(?:js|jsx)\Z", re.I)
_FONT_PATH = re.compile(r"\.(?:ttf|woff|woff2|otf)\Z", re.I)
_IMAGE_PATH = re.compile(r"\.(?:bmp|ico|jpg|jpeg|gif|tiff|tif|png|svg|webp)\Z", re.I)
_CSS_PATH = re.compile(r"\.css\Z", re.I)
_CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9_\-]+)", re.I)


def values(headers: Headers, name: str) -> list[str]:
    lowered = name.lower()
    # ZAP's HttpHeader trims each value: "Access-Control-Allow-Origin: * " is "*".
    return [v.strip() for k, v in headers if k.lower() == lowered]


@dataclass(frozen=True)
class Exchange:
    url: str
    method: str
    status: int
    reason: str = ""
    headers: Headers = ()  # response headers in arrival order, repeats kept
    body: bytes = b""
    request_headers: Headers = ()
    request_body: bytes = b""
    # Which crawl step found it (for the report's details, not for the rules).
    found_via: str = field(default="", compare=False)

    # --- request side ---------------------------------------------------------------------------
    @cached_property
    def parts(self) -> SplitResult:
        return urlsplit(self.url)

    @property
    def is_secure(self) -> bool:
        return self.parts.scheme.lower() == "https"

    @property
    def host(self) -> str:
        return (self.parts.hostname or "").lower()

    @property
    def path(self) -> str:
        return self.parts.path or "/"

    def url_params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.parts.query, keep_blank_values=True)

    def request_header_values(self, name: str) -> list[str]:
        return values(self.request_headers, name)

    def form_params(self) -> list[tuple[str, str]]:
        """The request body's parameters when it is a URL-encoded form (ZAP's HttpMessage.getFormParams)."""
        content_type = ",".join(self.request_header_values("Content-Type")).lower()
        if "application/x-www-form-urlencoded" not in content_type or not self.request_body:
            return []
        return parse_qsl(self.request_body.decode("utf-8", "replace"), keep_blank_values=True)

    # --- response side --------------------------------------------------------------------------
    def header_values(self, name: str) -> list[str]:
        return values(self.headers, name)

    def header(self, name: str) -> str | None:
        found = self.header_values(name)
        return found[0] if found else None

    @cached_property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").lower()

    def has_content_type(self, *fragments: str) -> bool:
        # ZAP's HttpHeader.hasContentType: a substring test on the lowered Content-Type.
        return any(f in self.content_type for f in fragments)

    @property
    def is_html(self) -> bool:
        return self.has_content_type("html")

    @property
    def is_text(self) -> bool:
        return self.has_content_type("text", "html", "javascript", "json", "xml")

    @property
    def is_javascript(self) -> bool:
        return self.has_content_type("javascript") or bool(_JS_PATH.search(self.path))

    @property
    def is_css(self) -> bool:
        return self.has_content_type("css") or bool(_CSS_PATH.search(self.path))

    @property
    def is_image(self) -> bool:
        return self.has_content_type("image") or bool(_IMAGE_PATH.search(self.path))

    @property
    def is_font(self) -> bool:
        return self.has_content_type("font") or bool(_FONT_PATH.search(self.path))

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status < 500

    @property
    def is_server_error(self) -> bool:
        return self.status >= 500

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    @cached_property
    def text(self) -> str:
        match = _CHARSET.search(self.content_type)
        encoding = match.group(1) if match else "utf-8"
        try:
            return self.body.decode(encoding, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def header_block(self) -> str:
        """The response header as ZAP prints it (status line, then ``Name: value`` lines, CRLF)."""
        lines = [f"HTTP/1.1 {self.status} {self.reason}".rstrip()]
        lines += [f"{k}: {v}" for k, v in self.headers]
        return "\r\n".join(lines) + "\r\n\r\n"
