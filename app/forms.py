"""The suggestion form and its server-side validation.

The database repeats these limits as CHECK constraints; the form exists to
give people a readable message, the constraints to make the rules hold.
"""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, URLField
from wtforms.validators import InputRequired, Length, ValidationError

TITLE_MIN, TITLE_MAX = 3, 120
URL_MAX = 2048
ALLOWED_SCHEMES = ("http", "https")

# Control characters (C0, DEL, C1) and Unicode line/paragraph separators have
# no place in a title or a link and can corrupt logs or rendered pages.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def no_control_characters(_form: FlaskForm, field: StringField) -> None:
    if field.data and _CONTROL.search(field.data):
        raise ValidationError("Remove control characters.")


def web_url(_form: FlaskForm, field: URLField) -> None:
    """Accept only absolute http(s) URLs with a plain host name or IP address."""
    value = field.data or ""
    if _CONTROL.search(value) or any(ch.isspace() for ch in value):
        raise ValidationError("The link must not contain spaces or control characters.")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise ValidationError("Enter a valid link.") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise ValidationError("The link must start with http:// or https://.")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("The link must not contain a user name or password.")
    if not host or not _valid_host(host):
        raise ValidationError("Enter a link with a valid host name.")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_HOSTNAME.match(ascii_host.rstrip(".")))


class SuggestionForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[_strip],
        validators=[InputRequired(), Length(min=TITLE_MIN, max=TITLE_MAX), no_control_characters],
    )
    url = URLField(
        "Link",
        filters=[_strip],
        validators=[InputRequired(), Length(max=URL_MAX), web_url],
    )
    # Choices are filled from the database per request; SelectField rejects
    # any value that is not one of them ("known topics only").
    topic = SelectField("Topic", validators=[InputRequired()], choices=[])
