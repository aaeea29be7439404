"""checkov in the harden stage, for real: this repository's infra/ passes with reasoned skips, planted
misconfigurations fail the stage, and a file checkov did not really check is an error, never a pass.

Each test is one harden run (checkov takes a few seconds to start), so cases share runs where the
assertions stay independent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gh_helpers import CLEAN_WORKFLOW, REPO, git_init, run_cli, write_tree

INFRA = REPO / "infra"


def _run_harden(root: Path, out: Path) -> tuple[int, dict, str]:
    proc = run_cli(["run", "harden", "--out", str(out), "--no-verdict", "--quiet"], cwd=root)
    report_path = out / "harden.json"
    assert report_path.is_file(), (proc.returncode, proc.stdout, proc.stderr)
    return proc.returncode, json.loads(report_path.read_text(encoding="utf-8")), proc.stderr


def _checkov(report: dict) -> dict:
    return next(t for t in report["tools"] if t["tool"] == "checkov")


def _findings(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["tool"] == "checkov"]


def _repo_with_infra(tmp_path: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of this repository's infra/, Dockerfile and workflows, with (old -> new) edits per file."""
    root = tmp_path / "repo"
    shutil.copytree(INFRA, root / "infra")
    shutil.copy(REPO / "Dockerfile", root / "Dockerfile")
    shutil.copytree(REPO / ".github" / "workflows", root / ".github" / "workflows")
    for rel, (old, new) in (edits or {}).items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{rel}: the planted edit must match exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")
    git_init(root)
    return root


def test_this_repositorys_infra_dockerfile_and_workflows_pass_with_every_skip_reasoned(tmp_path):
    root = _repo_with_infra(tmp_path)
    code, report, stderr = _run_harden(root, tmp_path / "out")
    run = _checkov(report)
    assert code == 0 and run["status"] == "passed", (run, stderr)
    inputs = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                    if p.suffix == ".bicep" or p.name == "Dockerfile" or p.parent.name == "workflows")
    # Positive evidence for every file, main.bicep included (it declares only modules: the canary proves it).
    assert run["details"]["files_scanned"] == len(inputs) and "infra/main.bicep" in inputs
    findings = _findings(report)
    assert findings, "the repository's skips must show up as suppressed findings"
    for finding in findings:
        reason = finding["properties"].get("suppressed_by", "")
        assert reason.startswith("checkov:skip: ") and len(reason) > len("checkov:skip: ") + 20, finding


def test_planted_misconfigurations_each_fail_the_stage(tmp_path):
    root = _repo_with_infra(tmp_path, {
        "infra/modules/keyvault.bicep": ("enablePurgeProtection: true", "enablePurgeProtection: false"),
        "infra/modules/postgres.bicep": ("name: 'require_secure_transport'\n  properties: {\n    value: 'on'",
                                         "name: 'require_secure_transport'\n  properties: {\n    value: 'off'"),
        "infra/modules/webapp.bicep": ("httpsOnly: true", "httpsOnly: false"),
        "infra/modules/gateway.bicep": ("mode: 'Prevention'", "mode: 'Detection'"),
    })
    code, report, stderr = _run_harden(root, tmp_path / "out")
    assert code == 1 and report["status"] == "failed", stderr
    failed = {(f["rule_id"], f["location"]["path"]) for f in _findings(report) if "suppressed_by" not in f["properties"]}
    assert ("CKV_AZURE_110", "infra/modules/keyvault.bicep") in failed  # purge protection
    assert ("CKV2_SP_1", "infra/modules/postgres.bicep") in failed  # the harness's TLS-enforcement policy
    assert ("CKV_AZURE_14", "infra/modules/webapp.bicep") in failed  # HTTP allowed
    assert ("CKV2_SP_3", "infra/modules/gateway.bicep") in failed  # the harness's WAF Prevention policy
    assert all(f["severity"] == "medium" for f in _findings(report))  # the harden gate


def test_a_skip_without_a_reason_is_not_honoured(tmp_path):
    root = tmp_path / "repo"
    write_tree(root, {"vault.bicep": """\
        resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
          // checkov:skip=CKV_AZURE_110
          // checkov:skip=CKV_AZURE_42:soft delete is on; purge protection follows in the next change
          name: 'v'
          location: 'westeurope'
          properties: {
            tenantId: subscription().tenantId
            sku: {
              family: 'A'
              name: 'standard'
            }
          }
        }
        """})
    git_init(root)
    code, report, _ = _run_harden(root, tmp_path / "out")
    by_rule = {f["rule_id"]: f for f in _findings(report)}
    assert code == 1
    assert "suppressed_by" not in by_rule["CKV_AZURE_110"]["properties"]
    assert "gives no reason" in by_rule["CKV_AZURE_110"]["message"]
    assert by_rule["CKV_AZURE_42"]["properties"]["suppressed_by"].endswith("purge protection follows in the next change")


def test_an_unparseable_bicep_file_is_an_error_naming_it(tmp_path):
    root = tmp_path / "repo"
    write_tree(root, {"ok.bicep": "param location string = 'westeurope'\n",
                      "broken.bicep": "resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'v'\n"})
    git_init(root)
    code, report, _ = _run_harden(root, tmp_path / "out")
    run = _checkov(report)
    assert code == 2 and run["status"] == "error", run
    assert "could not parse 1 file(s): broken.bicep" in run["error"]


def test_a_workflow_checkov_silently_drops_is_an_error(tmp_path):
    # checkov validates a workflow against its own bundled schema, which predates expressions in
    # `cancel-in-progress`; a workflow it rejects yields no check and no parsing error at all.
    dropped = CLEAN_WORKFLOW.replace("permissions: {}\n", "permissions: {}\nconcurrency:\n  group: g\n"
                                     "  cancel-in-progress: ${{ github.event_name == 'pull_request' }}\n")
    root = tmp_path / "repo"
    write_tree(root, {".github/workflows/build.yml": dropped, ".github/workflows/clean.yml": CLEAN_WORKFLOW})
    git_init(root)
    code, report, _ = _run_harden(root, tmp_path / "out")
    run = _checkov(report)
    assert code == 2 and run["status"] == "error", run
    assert "did not scan 1 of the 2 input(s) it was given: .github/workflows/build.yml" in run["error"]
