"""Known non-secrets (Alembic revision ids, SRI hashes, lock-file digests) are not reported as secrets;
every real secret in the same files, on the same lines, still is. Lock files are scanned."""

from __future__ import annotations

import base64
import json
import re
import secrets
from pathlib import Path

from core_helpers import git_init, run_cli, write_tree

from pipeline import known_values

# Shaped like real files: Flask-Migrate's Alembic template, Bootstrap's CDN snippet, pip-compile,
# npm, poetry and uv output. The digests are real public ones (Bootstrap 5.3.0, alembic 1.13.1).
BOOTSTRAP_CSS = "sha384-9ndCyUaIbzAi2FUVXJi0CjmCapSmO7SnpJef0486qhLnuZ2cdeRhO02iuK6FUUVM"
BOOTSTRAP_JS = "sha384-geWF76RCwLtnZ8qwWowPQNguL3RmwHVBC9FhGdlKrxdiJJigb/j/68SIy3Te4Bkz"
ALEMBIC_WHL = "2edcc97bed0bd3272611ce3a98d98279e9c209e7186e43e75bbb1b2bdfdbcc43"
ALEMBIC_SDIST = "4932c8558bf68f2ee92b9bbcb8218671c627064d5b08939437af6d77dc05e595"
NPM_INTEGRITY = ("sha512-UnBV3E3v4cGkmJ8Y9Z5ELDd4UwZ9z8f9fOFmsZp3KFGnhOCEn8gZR4Lp0WyJYHcS6XEEoMAHN3wV0yaxJf1BW"
                 "A==")


def _base64_secret() -> str:
    """Random, but never shaped like an IBM Cloud IAM key too: 44 characters of [A-Za-z0-9_-] right after
    `password = "` is that detector's pattern, which about one random value in 130 met (a flaky test)."""
    while True:
        value = base64.b64encode(secrets.token_bytes(45)).decode()
        if not re.match(r"[A-Za-z0-9_-]{44}(?![A-Za-z0-9_-])", value):
            return value


def _tree(values: dict[str, str]) -> dict[str, str]:
    aws, token = values["aws_key_id"], values["github_token"]
    hex_secret = secrets.token_hex(20)
    b64_secret = _base64_secret()
    return {
        "migrations/versions/2b017edaf91f_users_table.py": f'''\
            """users table

            Revision ID: 2b017edaf91f
            Revises: ae346256b650
            Create Date: 2017-09-12 22:38:29.102837

            """
            from alembic import op
            import sqlalchemy as sa


            # revision identifiers, used by Alembic.
            revision = '2b017edaf91f'
            down_revision = 'ae346256b650'
            branch_labels = None
            depends_on = None
            secret_key = '{hex_secret}'
            password = "{b64_secret}"


            def upgrade():
                op.execute("UPDATE settings SET aws_key = '{aws}'")


            def downgrade():
                pass
            ''',
        # A merge revision in the newer, annotated template.
        "migrations/versions/d7a3c6f1e0b2_merge.py": '''\
            """merge heads

            Revision ID: d7a3c6f1e0b2
            Revises: 2b017edaf91f, 8e4fa1c9b7d3
            """
            revision: str = "d7a3c6f1e0b2"
            down_revision: tuple[str, str] = ("2b017edaf91f",
                                              "8e4fa1c9b7d3")


            def upgrade() -> None:
                pass
            ''',
        # The same assignment outside an Alembic revision file is not explained away.
        "app/settings.py": "revision = '2b017edaf91f'\n",
        "app/templates/base.html": f'''\
            <!doctype html>
            <html><head>
              <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/css/bootstrap.min.css"
                    integrity="{BOOTSTRAP_CSS}" crossorigin="anonymous">
              <script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/js/bootstrap.bundle.min.js" integrity="{BOOTSTRAP_JS}" data-token="{token}"></script>
              <script src="/static/app.js" integrity="{BOOTSTRAP_JS[:-4]}"></script>
            </head></html>
            ''',
        "requirements.txt": f'''\
            alembic==1.13.1 \\
                --hash=sha256:{ALEMBIC_WHL} \\
                --hash=sha256:{ALEMBIC_SDIST}
            # pasted by mistake: {aws}
            ''',
        "package-lock.json": json.dumps({"name": "app", "lockfileVersion": 3, "packages": {"node_modules/bootstrap": {
            "version": "5.3.0", "resolved": "https://registry.npmjs.org/bootstrap/-/bootstrap-5.3.0.tgz",
            "integrity": NPM_INTEGRITY, "_authToken": b64_secret}}}, indent=2) + "\n",
        "poetry.lock": f'''\
            [[package]]
            name = "alembic"
            version = "1.13.1"
            files = [
                {{file = "alembic-1.13.1-py3-none-any.whl", hash = "sha256:{ALEMBIC_WHL}"}},
                {{file = "alembic-1.13.1.tar.gz", hash = "sha256:{ALEMBIC_SDIST}"}},
            ]

            [metadata]
            lock-version = "2.0"
            content-hash = "{ALEMBIC_WHL}"
            source-token = "{aws}"
            ''',
    }


def _secrets_report(tmp_path: Path, files: dict[str, str]) -> dict:
    root = write_tree(tmp_path / "repo", files)
    git_init(root)
    out = tmp_path / "reports"
    proc = run_cli(["run", "secrets", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    assert proc.returncode == 1, proc.stderr
    return json.loads((out / "secrets.json").read_text())


def test_known_nonsecrets_are_dropped_and_every_real_secret_beside_them_is_reported(tmp_path, secret_values):
    report = _secrets_report(tmp_path, _tree(secret_values))
    found = {(f["location"]["path"], f["location"]["line"], f["rule_id"]) for f in report["findings"]}
    migration = "migrations/versions/2b017edaf91f_users_table.py"
    assert found == {
        (migration, 17, "Hex High Entropy String"), (migration, 17, "Secret Keyword"),
        (migration, 18, "Base64 High Entropy String"), (migration, 18, "Secret Keyword"),
        (migration, 22, "AWS Access Key"),
        ("app/settings.py", 1, "Hex High Entropy String"),
        # The token on the same tag as an SRI hash: its own detector and the entropy one.
        ("app/templates/base.html", 5, "GitHub Token"), ("app/templates/base.html", 5, "Base64 High Entropy String"),
        # A truncated digest is not a valid SRI value.
        ("app/templates/base.html", 6, "Base64 High Entropy String"),
        ("requirements.txt", 4, "AWS Access Key"),
        ("package-lock.json", 9, "Base64 High Entropy String"),
        ("poetry.lock", 12, "AWS Access Key"),
    }
    # The ids detect-secrets flags (2 + 2: one id of the merge is below its entropy limit), two SRI hashes,
    # npm's integrity and poetry's content-hash (`sha256:...` strings are not flagged at all).
    assert report["details"]["notes"] == [
        "detect-secrets: 4 Alembic revision ids, 2 SRI hashes, 2 lock-file hashes not reported as secrets "
        "(known non-secret values, recognised by their context)"]
    # Lock files are scanned now, under their own names.
    assert report["tools"][0]["details"]["files_scanned"] == 7


def test_shapes_of_known_values_are_exact():
    assert known_values.is_sri(BOOTSTRAP_CSS) and known_values.is_sri(f"{BOOTSTRAP_CSS} {NPM_INTEGRITY}")
    assert not known_values.is_sri(BOOTSTRAP_CSS[:-4])  # too short for sha384
    assert not known_values.is_sri("sha1-" + base64.b64encode(bytes(20)).decode())  # not an SRI algorithm
    assert not known_values.is_sri("md5-" + base64.b64encode(bytes(16)).decode())
    assert known_values.is_digest(f"sha256:{ALEMBIC_WHL}") and known_values.is_digest(ALEMBIC_WHL)
    assert not known_values.is_digest(f"sha512:{ALEMBIC_WHL}")  # the length belongs to sha256
    assert not known_values.is_digest("AKIA" + "Q" * 16)
    text = "revision = 'ABCDEF123456'\ndown_revision = None\n\ndef upgrade():\n    pass\n"
    assert known_values.known_values("migrations/versions/x.py", text) == []  # not an id Alembic generates
