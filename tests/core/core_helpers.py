"""Helpers for the core harness tests: throwaway repositories, fake executables, the CLI.

(Not in conftest.py: several test folders have one, and `from conftest import` is ambiguous to linters.)
"""

from __future__ import annotations

import os
import secrets
import stat
import string
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def git_init(root: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", "init", "-q", "."], cwd=root, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=root, check=True, env=env)


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    # Tests may themselves run inside GitHub Actions: start from a neutral environment.
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def fake_tool(bin_dir: Path, name: str, body: str) -> Path:
    """An executable shell script standing in for a scanner (for crash, hang and garbage faults only)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'fake 0.0'; exit 0; fi\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


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
