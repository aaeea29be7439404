"""The redactor and the output escaping, case by case (the leak suite covers them end to end).

Real scanners locate the values (bandit, detect-secrets); the texts are what tools really print.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from core_helpers import git_init, run_cli, write_tree
from pipeline.adapters.bandit import Bandit
from pipeline.adapters.detect_secrets import DetectSecrets
from pipeline.files import FileSet
from pipeline.model import Finding, Location, Severity, Status, ToolRun
from pipeline.output import for_terminal, for_workflow_log
from pipeline.progress import Progress
from pipeline.redact import LOCATED_SECRET, MASK, Redactor
from pipeline.config import stage_config
from pipeline.scanner import ScanContext


def _ctx(root: Path, stage: str, tmp_path: Path) -> ScanContext:
    work = tmp_path / f"work-{stage}"
    work.mkdir(exist_ok=True)
    return ScanContext(root=root, stage=stage, stage_config=stage_config(stage), files=FileSet(root),
                       work_dir=work, timeout=120, artifacts_dir=tmp_path / "reports" / stage)


@pytest.mark.parametrize("text", [
    "Potential secret: Base64 High Entropy String",
    'Module name "1038c2174f5d_make_case" doesn\'t conform to snake_case naming style',
    "uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11",
    "pinned to 'b4ffde65f46336ab88eb53be808477a3936bae11'",  # a quoted commit id is still a digest  # pragma: allowlist secret
    "hashed secret 9d4e1e23bd5b727046a9e3b4b7db57bd8d6ee684",
    "script-src 'self' 'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='",  # pragma: allowlist secret
    "flask==2.2.4 has CVE-2023-30861; upgrade to 2.2.5",
    "tests/deps/fixtures/PYSEC-2023-62/app/settings.py:12",
    "secrets/detect-secrets: started",
    "the secret: could not read the baseline",
    "def connect(user, pwd=None):",
    "sorted(items, key=len)",
])
def test_harmless_identifiers_are_not_rewritten(text):
    assert Redactor().text(text) == text


@pytest.mark.parametrize(("text", "secret"), [
    # A Sentry DSN's key is 32 hex characters, like a digest, but it sits in the URL's userinfo.
    ("SENTRY_DSN=https://0f1e2d3c4b5a69788796a5b4c3d2e1f0@o4501.ingest.sentry.io/4502",  # pragma: allowlist secret
     "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),  # pragma: allowlist secret
    ("--index-url https://deploy:s3cr3tT0kenValue@index.example/simple/", "s3cr3tT0kenValue"),  # pragma: allowlist secret
    ("GET https://shop.example/account?sessionid=Ses5ion1dValue99&page=2", "Ses5ion1dValue99"),
    ("Set-Cookie: PHPSESSID=Ph9sess1onValue77; HttpOnly", "Ph9sess1onValue77"),
    ("callback https://app.example/cb?code=OauthC0deValue55&state=St4teValue33", "OauthC0deValue55"),
    ("callback https://app.example/cb?code=OauthC0deValue55&state=St4teValue33", "St4teValue33"),
    ('{"access_token": "Acc3ssTok3nValue11", "expires": 3600}', "Acc3ssTok3nValue11"),
    # A quoted value runs to its real closing quote: bandit's message used to leak "s-MyS3cretP4ss".
    ("Possible hardcoded password: 'it's-MyS3cretP4ss'", "s-MyS3cretP4ss"),  # pragma: allowlist secret
    ("app.config['SECRET_KEY'] = 'aaaaaaaaaaaa'", "aaaaaaaaaaaa"),  # pragma: allowlist secret
    ("  password: Yaml5ecretValue", "Yaml5ecretValue"),
    ("ENV API_KEY=D0ckerSecretValue", "D0ckerSecretValue"),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected",  # pragma: allowlist secret
     "abcdefghijklmnopqrstuvwxyz0123456789"),
])
def test_secrets_in_every_form_are_masked_whole(text, secret):
    redacted = Redactor().text(text)
    assert secret not in redacted and ("[REDACTED]" in redacted or "REDACTED@" in redacted), redacted


def test_a_private_key_is_masked_to_its_end_line():
    text = ("stderr:\n-----BEGIN RSA PRIVATE KEY-----\n"  # pragma: allowlist secret
            "MIICXAIBAAKBgQCqGKukO1De7zhZj6\nzhZj6+H0qtjTkVxwTCpvKe4e\n-----END RSA PRIVATE KEY-----\nafter")
    redacted = Redactor().text(text)
    assert "MIICXAIBAAKBgQ" not in redacted and "zhZj6+H0" not in redacted and redacted.endswith("\nafter")


def test_environment_credentials_are_masked_wherever_they_appear():
    env = {"DEPLOY_API_KEY": "plainwordsecret", "GITHUB_TOKEN": "ghs_notquotedanywhere",  # pragma: allowlist secret
           "HOME": "/root", "AUTH_MODE": "on"}
    redactor = Redactor.for_environment(env)
    assert redactor.text("echo plainwordsecret done") == f"echo {MASK} done"
    assert "notquotedanywhere" not in redactor.text("x ghs_notquotedanywhere")
    assert redactor.text("home is /root, mode on") == "home is /root, mode on"  # not credentials; too short


def test_bandit_hands_over_the_whole_password_and_the_redactor_masks_it_elsewhere(tmp_path):
    root = write_tree(tmp_path / "repo", {"app.py": 'password = "it\'s-MyS3cretP4ss"\n'})
    out = Bandit().scan(_ctx(root, "sast", tmp_path))
    assert out.run.status is Status.PASSED, out.run.error
    [finding] = [f for f in out.findings if f.rule_id == "B105"]
    assert finding.message == f"Possible hardcoded password: '{MASK}'"
    redactor = Redactor.for_run(root, out.findings)
    assert LOCATED_SECRET in finding.properties  # handed over to the redactor...
    assert LOCATED_SECRET not in redactor.finding(finding).properties  # ...and never written
    # The same value quoted where no detector would see it (pylint's W0511 quoting a comment).
    assert "MyS3cretP4ss" not in redactor.text("TODO the old one was it's-MyS3cretP4ss")


def test_values_the_secrets_stage_located_are_masked_where_no_detector_sees_them(tmp_path):
    yaml_value, py_value = "Yq7ZxW2mK9pLr4Tb", "Kw9Rt5Yz2Qp8Lm3N"
    root = write_tree(tmp_path / "repo", {
        "config/app.yaml": f"database:\n  password: {yaml_value}\n",
        "app/settings.py": f'SECRET_KEY = "{py_value}"\n',
    })
    git_init(root)
    out = DetectSecrets().scan(_ctx(root, "secrets", tmp_path))
    assert out.run.status is Status.PASSED, out.run.error
    assert {f.location.path for f in out.findings} == {"config/app.yaml", "app/settings.py"}
    redactor = Redactor.for_run(root, out.findings, env={})
    crash = f"Traceback: cannot load {yaml_value} for db; fallback {py_value}"
    assert redactor.text(crash) == f"Traceback: cannot load {MASK} for db; fallback {MASK}"
    assert Redactor().text(crash) == crash  # the detectors alone would not have caught these


def test_a_finding_cannot_make_the_redactor_read_outside_the_repository(tmp_path):
    outside = write_tree(tmp_path / "outside", {"secret.py": 'TOKEN = "Outs1deTheRepoValue"\n'})
    root = write_tree(tmp_path / "repo", {"ok.py": "x = 1\n"})
    (root / "link.py").symlink_to(outside / "secret.py")
    located = Finding(tool="detect-secrets", rule_id="Secret Keyword", title="t", severity=Severity.HIGH,
                      location=Location(path="link.py", line=1), properties={"hashed_secret": "0" * 40})
    escaping = Finding(tool="detect-secrets", rule_id="Secret Keyword", title="t", severity=Severity.HIGH,
                       location=Location(path="../outside/secret.py", line=1), properties={"hashed_secret": "0" * 40})
    assert Redactor.for_run(root, [located, escaping], env={}).known == frozenset()


def test_tool_runs_and_artifacts_are_redacted_as_json(tmp_path):
    redactor = Redactor.for_environment({"ZAP_API_KEY": "zapkeyvalue123"})
    run = redactor.run(ToolRun(tool="zap", status=Status.ERROR, command=["zap", "apikey=zapkeyvalue123"],
                               error="zap: 401 for https://u:pw123456@zap.local/",  # pragma: allowlist secret
                               stderr_tail="key zapkeyvalue123"))
    assert "zapkeyvalue123" not in str(run.to_dict()) and "pw123456" not in run.error
    path = tmp_path / "zap" / "zap-traditional.json"
    redactor.write_artifacts({path: {"site": [{"uri": "http://h/?token=Tok3nInUrl42", "evidence": "Set-Cookie: sid=S1dValue9"}]}})
    text = path.read_text()
    assert "Tok3nInUrl42" not in text and "S1dValue9" not in text and '"uri": "http://h/?token=[REDACTED]"' in text


HOSTILE = "bandit: could not scan 1 file(s): evil\n::error title=INJECTED::x.py: syntax error \x1b[2J\x1b[32mALL PASSED 100%0A"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_lines_are_redacted_and_escaped_for_a_ci_log(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    stream = io.StringIO()
    progress = Progress(stream, Redactor.for_environment({"GITHUB_TOKEN": "ghs_envtokenvalue42"}))
    progress.tool_finished("sast", "bandit", ToolRun(tool="bandit", status=Status.ERROR, error=HOSTILE), 0)
    note = "resolving https://deploy:IdxT0kenValue@index.example/simple with ghs_envtokenvalue42"  # pragma: allowlist secret
    progress.note("deps", "pip-audit", note)
    out = stream.getvalue()
    assert len(out.splitlines()) == 2 and not any(line.lstrip().startswith("::") for line in out.splitlines())
    assert "evil%0A::error title=INJECTED::x.py" in out and "100%250A" in out  # one line, % escaped as the toolkit does
    assert "\x1b" not in out and "\\x1b[2J" in out
    assert "IdxT0kenValue" not in out and "ghs_envtokenvalue42" not in out


def test_progress_lines_on_a_terminal_show_control_characters_as_escapes(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    stream = _Terminal()
    Progress(stream, Redactor()).tool_finished("sast", "bandit", ToolRun(tool="bandit", status=Status.ERROR, error=HOSTILE), 0)
    out = stream.getvalue()
    assert out.count("\n") == 1 and "\x1b" not in out and "evil\\n::error" in out and "\\x1b[32mALL PASSED" in out


def test_escapers_never_let_a_line_start_a_workflow_command():
    assert for_workflow_log("::error::x").startswith("%3A")
    assert for_workflow_log("  ::warning::x").lstrip().startswith("%3A")
    assert for_terminal("a\rb\u202ec") == "a\\rb\\u202ec"


def test_cli_messages_naming_hostile_files_are_escaped(tmp_path):
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": ""})
    proc = run_cli(["run", "lint", "--config", "evil\n::error title=INJECTED::x.toml"], cwd=root, env={"GITHUB_ACTIONS": "true"})
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1 and "INJECTED" in proc.stderr, proc.stderr
    assert not any(line.startswith("::") for line in proc.stderr.splitlines())


def test_a_bandit_false_positive_with_spaces_is_masked_in_its_message_only(tmp_path):
    # bandit flags prompts too; masking "Enter the password: " everywhere would blank ordinary text.
    root = write_tree(tmp_path / "repo", {"app.py": 'PASSWORD_PROMPT = "Enter the password: "\n'})
    out = Bandit().scan(_ctx(root, "sast", tmp_path))
    [finding] = [f for f in out.findings if f.rule_id == "B105"]
    assert finding.message == f"Possible hardcoded password: '{MASK}'" and LOCATED_SECRET not in finding.properties
    assert Redactor.for_run(root, out.findings, env={}).text("Enter the password: now") == "Enter the password: now"


def test_a_hostile_baseline_path_is_a_configuration_error_printed_on_one_line(tmp_path):
    hostile = "evil\n::error title=INJECTED::x"
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pyproject.toml":
                                          '[tool.secure-pipeline]\nbaseline_file = "evil\\n::error title=INJECTED::x"\n'})
    (root / hostile).mkdir()  # a directory where the baseline file should be
    proc = run_cli(["run", "lint", "--no-verdict"], cwd=root, env={"GITHUB_ACTIONS": "true"})
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1 and "evil%0A::error" in proc.stderr, proc.stderr


def test_an_internal_crash_is_exit_2_and_its_traceback_is_redacted_and_escaped(monkeypatch, capsys):
    from pipeline import cli

    def crash(_args):  # any bug in the harness, with hostile text in its message
        url = "https://ci:Tr4cebackT0ken@idx.example/"  # pragma: allowlist secret
        raise RuntimeError(f"cannot open evil\n::error title=INJECTED::x.py via {url}")

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("SECURE_PIPELINE_DEBUG", "1")  # the traceback too: its lines are the riskier ones
    monkeypatch.setattr(cli, "cmd_run", crash)
    assert cli.main(["run", "lint"]) == 2
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "Tr4cebackT0ken" not in err  # pragma: allowlist secret
    assert not any(line.lstrip().startswith("::") for line in err.splitlines()), err


def test_an_audited_false_positive_does_not_blank_ordinary_words(tmp_path):
    """Found on this repository: `"detect-secrets": "secrets"` audited as a false positive made every
    "secrets" in every report "[REDACTED]", and a prose value's 8-character pieces blanked " in the "."""
    root = write_tree(tmp_path / "repo", {
        "stages.py": 'STAGE_OF = {"detect-secrets": "secrets"}\n',
        "notes.md": "| 21 | secret: only in the deploy job; environments gate prod |\n",
    })
    git_init(root)
    scan = DetectSecrets().scan(_ctx(root, "secrets", tmp_path))
    assert {f.location.path for f in scan.findings} == {"stages.py", "notes.md"}, scan.run.error
    subprocess.run(["detect-secrets", "scan", "--all-files", "stages.py", "notes.md"], cwd=root, check=True,
                   stdout=(root / ".secrets.baseline").open("w"))
    baseline = json.loads((root / ".secrets.baseline").read_text())
    for entries in baseline["results"].values():
        for entry in entries:
            if entry["filename"] == "stages.py":
                entry["is_secret"] = False  # audited: not a secret
    (root / ".secrets.baseline").write_text(json.dumps(baseline))

    out = DetectSecrets().scan(_ctx(root, "secrets", tmp_path))
    redactor = Redactor.for_run(root, out.findings, env={})

    note = "detect-secrets: 3 file(s) not scanned for secrets; the key is only in the deploy job"
    assert redactor.text(note) == note
    prose = "secret: only in the deploy job; environments gate prod"
    assert MASK in redactor.text(f"quoted {prose} |")  # the flagged value itself is still masked whole


def test_an_unaudited_short_value_is_still_masked(tmp_path):
    root = write_tree(tmp_path / "repo", {"settings.py": 'password = "Xq7!kP2z"\n'})
    git_init(root)
    out = DetectSecrets().scan(_ctx(root, "secrets", tmp_path))
    assert out.findings, out.run.error
    assert Redactor.for_run(root, out.findings, env={}).text("login with Xq7!kP2z now") == f"login with {MASK} now"
