"""The leak suite's planted repository: a secret of every detect-secrets type, in every syntactic
position, and the tools that quote them (pylint R0801 and W0511, bandit, a crashing tool's stderr).

Every value is made at run time (none is ever committed here). Each is shaped to what the
matching detect-secrets plugin looks for, so the secrets stage really flags it.
(Not in conftest.py: several test folders have one, and `from conftest import` is ambiguous.)
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
ALNUM = string.ascii_letters + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


def _r(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def _jwt() -> str:
    """A well-formed JWT (detect-secrets decodes header and payload), signed with nothing in particular."""
    import base64
    import json

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': _r(ALNUM, 20)})}.{_r(ALNUM + '-_', 43)}"


def typed_secrets() -> dict[str, str]:
    """One value per detect-secrets secret type (the type name is the key).

    "Public IP (ipv4)" is left out: detect-secrets' default filter is_not_alphanumeric_string drops
    every value without a letter, so the secrets stage never reports an address.
    """
    return {
        "Artifactory Credentials": "AKC" + _r(ALNUM, 60),
        "AWS Access Key": "AKIA" + _r("BCDFGHJKLMNPQRSTVWXYZ234567", 16),  # pragma: allowlist secret
        "Azure Storage Account access key": _r(B64, 86) + "==",
        "Basic Auth Credentials": "Ba" + _r(ALNUM, 18),
        "Cloudant Credentials": _r(HEX, 64),
        "Discord Bot Token": "M" + _r(ALNUM, 23) + "." + _r(ALNUM, 6) + "." + _r(ALNUM, 27),
        "GitHub Token": "ghp_" + _r(ALNUM, 36),
        "GitLab Token": "glpat-" + _r(ALNUM, 20),
        "Base64 High Entropy String": _r(B64, 44),
        "Hex High Entropy String": _r(HEX, 32),
        "IBM Cloud IAM Key": _r(ALNUM, 44),
        "IBM COS HMAC Credentials": _r(HEX, 48),
        "JSON Web Token": _jwt(),
        "Secret Keyword": "it's-" + _r(ALNUM, 12),  # an apostrophe inside: bandit's quote must not cut it
        "Mailchimp Access Key": _r(HEX, 32) + "-us12",
        "NPM tokens": "npm_" + _r(ALNUM, 36),
        "OpenAI Token": "sk-" + _r(ALNUM, 20) + "T3BlbkFJ" + _r(ALNUM, 20),
        "PyPI Token": "pypi-AgEIcHlwaS5vcmc" + _r(ALNUM, 72),
        "SendGrid API Key": "SG." + _r(ALNUM, 22) + "." + _r(ALNUM, 43),
        "Slack Token": "xoxb-" + _r(DIGITS, 11) + "-" + _r(DIGITS, 12) + "-" + _r(LOWER + DIGITS, 24),
        "SoftLayer Credentials": _r(LOWER + DIGITS, 64),
        "Square OAuth Secret": "sq0csp-" + _r(ALNUM, 43),  # pragma: allowlist secret
        "Stripe Access Key": "sk_live_" + _r(ALNUM, 24),
        "Telegram Bot Token": _r("123456789", 9) + ":" + _r(ALNUM, 35),
        "Twilio API Key": "SK" + _r(LOWER + DIGITS, 32),
    }


@dataclass
class Planted:
    """The repository's files, the harness environment, and every value that must never come out."""

    files: dict[str, str]
    env: dict[str, str]
    values: dict[str, str]  # what -> value
    private_key: str
    commit: str  # a commit id quoted by a tool: harmless, must stay readable


def build() -> Planted:
    t = typed_secrets()
    more = {
        "assignment": "Pw" + _r(ALNUM, 18) + "9!",
        "comment": "Cm" + _r(ALNUM, 22),
        "sentry": _r(HEX, 32),
        "url_password": "Up" + _r(ALNUM, 20),  # pragma: allowlist secret
        "dotenv": "Dv" + _r(ALNUM, 24),
        "yaml": "Ym" + _r(ALNUM, 24),
        "dockerfile": "Dk" + _r(ALNUM, 24),
        "workflow": "Wf" + _r(ALNUM, 24),
        "index_token": "It" + _r(ALNUM, 24),
        "session_query": "Sq" + _r(ALNUM, 24),
        "harness_env": "He" + _r(ALNUM, 26),
        "harness_env_url": "Hu" + _r(ALNUM, 22),
    }
    key = _private_key()
    commit = _r(HEX, 40)
    # Python: every syntactic position, in two identical modules so pylint's R0801 quotes the block.
    settings = (
        '"""Settings."""\n'
        "import os\n\n"
        f'AWS_ACCESS_KEY_ID = "{t["AWS Access Key"]}"\n'
        f'password = "{more["assignment"]}"\n'
        f'CONFIG = {{}}\n'
        f'CONFIG["SECRET_KEY"] = "{t["Secret Keyword"]}"\n'
        f'api_token: str = "{t["GitHub Token"]}"\n'
        f'GITLAB = "{t["GitLab Token"]}"\n'
        f'STRIPE = "{t["Stripe Access Key"]}"\n'
        f'SLACK = "{t["Slack Token"]}"\n'
        f'SENDGRID = "{t["SendGrid API Key"]}"\n'
        f'OPENAI = "{t["OpenAI Token"]}"\n'
        f'PYPI = "{t["PyPI Token"]}"\n'
        f'SQUARE = "{t["Square OAuth Secret"]}"\n'
        f'TWILIO = "{t["Twilio API Key"]}"\n'
        f'DISCORD = "{t["Discord Bot Token"]}"\n'
        f'JWT = "{t["JSON Web Token"]}"\n'
        f'TELEGRAM = "{t["Telegram Bot Token"]}"\n'
        f'MAILCHIMP = "{t["Mailchimp Access Key"]}"\n'
        f'ARTIFACTORY = "{t["Artifactory Credentials"]}"\n'
        f'BLOB = "{t["Base64 High Entropy String"]}"\n'
        f'HEXBLOB = "{t["Hex High Entropy String"]}"\n'
        f'STORAGE = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={t["Azure Storage Account access key"]}"\n'
        f'ibm_cloud_iam_api_key = "{t["IBM Cloud IAM Key"]}"\n'
        f'ibm_cos_hmac_secret_access_key = "{t["IBM COS HMAC Credentials"]}"\n'
        f'softlayer_api_key = "{t["SoftLayer Credentials"]}"\n'
        f'cloudant_password = "{t["Cloudant Credentials"]}"\n'
        f'SENTRY_DSN = "https://{more["sentry"]}@o4501.ingest.sentry.io/4502"\n'
        f'DATABASE_URL = "postgres://app:{t["Basic Auth Credentials"]}@db.example:5432/app"\n'
        f'PAYMENTS = {{"api_key": "{t["NPM tokens"]}", "region": "eu"}}\n'
        f'CALLBACK = "https://api.example/cb?token={more["session_query"]}&page=2"\n\n\n'
        "def connect(user, pwd=None):\n"
        '    """Connect."""\n'
        "    return (user, pwd, os.sep)\n\n\n"
        f'CONN = connect("admin", pwd="{more["url_password"]}")\n'
        # W0511 quotes comments. The first holds a secret the detectors flag; the second quotes a value
        # the secrets stage located elsewhere and one from the harness's environment, where no
        # detector would see them: only the harness's own knowledge masks those.
        f'# TODO rotate password = "{more["comment"]}" soon\n'
        f"# FIXME the old ones were {more['assignment']} and {more['harness_env']}\n"
        f"# TODO pin the base image to commit {commit}\n"
    )
    files = {
        "app/__init__.py": '"""App."""\n',
        "app/settings.py": settings,
        "app/settings_copy.py": settings,
        "app/keys.py": '"""Keys."""\nPRIVATE_KEY = """' + key + '"""\n',
        "deploy/key.pem": key,
        ".env": f"SECRET_KEY={more['dotenv']}\nDEBUG=0\n",
        ".npmrc": f"//registry.npmjs.org/:_authToken={t['NPM tokens']}\n",
        "config/app.yaml": f"database:\n  password: {more['yaml']}\n  host: db\n",
        "Dockerfile": f"FROM python:3.12-slim\nENV API_KEY={more['dockerfile']}\nCMD [\"python\"]\n",
        ".github/workflows/ci.yml": (
            "name: ci\non: [push]\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
            f"    env:\n      DEPLOY_PASSWORD: {more['workflow']}\n    steps:\n      - run: echo hi\n"
        ),
        "requirements.txt": f"--index-url https://deploy:{more['index_token']}@index.example/simple/\nflask==2.2.4\n",
        # Harmless identifiers that must come out as they are (a migration module name, a commit id).
        "migrations/1038c2174f5d_make_case.py": '"""Make case."""\nrevision = "1038c2174f5d"\n',  # pragma: allowlist secret
    }
    env = {
        "GITHUB_TOKEN": t["GitHub Token"],  # also planted in the tree
        "DEPLOY_API_KEY": more["harness_env"],
        "PIP_INDEX_URL_TOKEN": more["harness_env_url"],
    }
    values = {**{f"type {k}": v for k, v in t.items()}, **more,
              **{f"private key line {i}": line for i, line in enumerate(key.splitlines()[1:-1], start=2)}}
    return Planted(files=files, env=env, values=values, private_key=key, commit=commit)


def zap_values() -> dict[str, str]:
    """What the web app under scan leaks: a session cookie, a token in a link, credentials in the target URL."""
    return {"zap session cookie": "Zs" + _r(ALNUM, 26), "zap token in link": "Zt" + _r(ALNUM, 26),
            "zap target userinfo": "Zu" + _r(ALNUM, 22)}


def start_app(values: dict[str, str]):
    """A local web app (the target of the zap stage) whose responses carry the zap values; returns (server, port)."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    page = (f'<html><head><title>t</title></head><body><a href="/account?token={values["zap token in link"]}&page=1">'
            "account</a></body></html>").encode()
    csp = ("default-src 'self'; script-src 'self' "
           "'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='")  # pragma: allowlist secret

    def app(_environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Security-Policy", csp),
                                  ("Set-Cookie", f"sessionid={values['zap session cookie']}; Path=/"),
                                  ("Content-Length", str(len(page)))])
        return [page]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):  # pylint: disable=unused-argument
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, server.server_port
