"""Helpers of the core harness tests: planted secrets and code (the generic ones live in tests/support).

(Not in conftest.py: several test folders have one, and `from conftest import` is ambiguous to linters.)
"""

from __future__ import annotations

import secrets
import string

from tests.support import REPO, fake_tool, git_init, run_cli, write_tree

# Re-exported: the core tests import the shared helpers from here.
__all__ = ["REPO", "fake_tool", "git_init", "run_cli", "write_tree", "planted_secrets", "PLANTED_CODE", "CLEAN_CODE"]


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def planted_secrets() -> dict[str, str]:
    """Distinct, realistic secret values made at run time (so none is ever committed to this repo)."""
    upper = string.ascii_uppercase + string.digits
    alnum = string.ascii_letters + string.digits
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    return {
        "aws_key_id": "AKIA" + _random("".join(c for c in upper if c not in "AEIOU"), 16),
        "aws_secret": _random(alnum + "/+", 40),
        "github_token": "ghp_" + _random(alnum, 36),
        "password": "Pw" + _random(alnum, 18) + "9!",
        "private_key_body": pem.splitlines()[3],  # a line from inside the key block
        "private_key": pem,
    }


PLANTED_CODE = {
    "pkg/__init__.py": "",
    "pkg/bad.py": '''
        import os
        import subprocess
        import hashlib


        def run(cmd):
            return subprocess.call(cmd, shell=True)


        def digest(data):
            return hashlib.md5(data).hexdigest()


        def lookup(cursor, name):
            cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
            return undefined_helper(name)
        ''',
    "pkg/ok.py": '''
        """A clean module."""


        def add(left: int, right: int) -> int:
            """Add two numbers."""
            return left + right
        ''',
}
CLEAN_CODE = {
    "pkg/__init__.py": "",
    "pkg/ok.py": PLANTED_CODE["pkg/ok.py"],
}
