"""The suggestion form and its server-side validation.

The database repeats these limits as CHECK constraints; the form exists to
give people a readable message, the constraints to make the rules hold.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, URLField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

TITLE_MIN, TITLE_MAX = 3, 120
URL_MAX = 2048
ALLOWED_SCHEMES = ("http", "https")

# Control characters (C0, DEL, C1) and Unicode line/paragraph separators have
# no place in a title or a link and can corrupt logs or rendered pages.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Characters that are invisible or reorder the text around them: format
# characters (Cf: zero-width spaces and joiners, bidi embeddings, overrides
# and isolates, BOM), private-use, unassigned and surrogate code points, and
# the line/paragraph separators. They let a title or link look different from
# what it is (spoofing, defacement of the page around it).
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
# Letters and symbols that render as blank space without being whitespace.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _normalise(value: object) -> object:
    """Strip, then compose (NFC): one spelling per visible text, so that the
    same title cannot be stored twice in different code point sequences."""
    return unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else value


def has_hidden_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in HIDDEN_CATEGORIES or ch in _BLANK_LOOKING for ch in text)


def text_only(_form: FlaskForm, field: StringField) -> None:
    """A file part posted under a text field's name is not text: refuse it
    before any validator treats it as a string."""
    if field.data is not None and not isinstance(field.data, str):
        field.data = ""
        raise StopValidation("Send text, not a file.")


def no_control_characters(_form: FlaskForm, field: StringField) -> None:
    if field.data and _CONTROL.search(field.data):
        raise ValidationError("Remove control characters.")


def visible_text(_form: FlaskForm, field: StringField) -> None:
    if field.data and has_hidden_characters(field.data):
        raise ValidationError("Remove invisible or direction-changing characters.")


def web_url(_form: FlaskForm, field: URLField) -> None:
    """Accept only absolute http(s) URLs with a plain host name or IP address."""
    value = field.data or ""
    if _CONTROL.search(value) or any(ch.isspace() for ch in value) or has_hidden_characters(value):
        raise ValidationError("The link must not contain spaces, control or invisible characters.")
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
        filters=[_normalise],
        validators=[text_only, InputRequired(), Length(min=TITLE_MIN, max=TITLE_MAX), no_control_characters,
                    visible_text],
    )
    url = URLField(
        "Link",
        filters=[_strip],
        validators=[text_only, InputRequired(), Length(max=URL_MAX), web_url],
    )
    # Choices are filled from the database per request; SelectField rejects
    # any value that is not one of them ("known topics only").
    topic = SelectField("Topic", validators=[text_only, InputRequired()], choices=[])
