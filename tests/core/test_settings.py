"""Typed settings: every option is one field of a frozen dataclass, built and validated once.

The configuration-error messages themselves are checked where they were before (test_policy.py,
test_hostile_config.py, tests/adopt); these tests check the shape: typed attributes, frozen values,
one owner per key, ``--set`` rebuilding the typed settings, and no import cycle through config.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from pipeline import config as config_mod
from pipeline.adapters.hadolint import HadolintSettings
from pipeline.adapters.pip_audit import PipAuditSettings
from pipeline.engine import apply_overrides
from pipeline.errors import ConfigError
from pipeline.options import StageSettings, options_of
from pipeline.registry import SCANNERS, STAGES, scanners_for
from pipeline.stages.deps import DepsSettings
from pipeline.zap.crawler import CrawlLimits
from pipeline.zap.settings import ZapSettings

PIPELINE = Path(__file__).resolve().parents[2] / "pipeline"


def _config(tmp_path: Path, toml: str) -> config_mod.Config:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    return config_mod.load(tmp_path)


def test_a_configuration_file_becomes_typed_attributes(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '[tool.secure-pipeline]\nexclude = ["docs/**"]\ntop_findings = 5\n\n'
                            '[tool.secure-pipeline.stages.deps]\nsources = ["requirements.txt"]\ntimeout = 120\n'
                            'known_clean_packages = ["click"]\n\n'
                            '[tool.secure-pipeline.stages.lint.tools.pylint]\nfail_severity = "low"\n')
    assert cfg.settings.exclude == ("docs/**",) and cfg.settings.top_findings == 5
    deps = cfg.stages["deps"]
    assert isinstance(deps.settings, DepsSettings)
    assert deps.settings.sources == ("requirements.txt",)
    assert deps.settings.timeout == 120.0 and isinstance(deps.settings.timeout, float)  # TOML 120 is an int
    assert deps.settings.fail_severity == "low"  # the stage's own default, untouched
    assert deps.of(PipAuditSettings).known_clean_packages == ("click",)
    lint = cfg.stages["lint"]
    assert lint.tool_settings("pylint").fail_severity == "low"
    assert lint.tool_settings("pyflakes").fail_severity == "low"  # the stage's tool default
    assert lint.settings.fail_severity == "high"


def test_settings_are_frozen_and_the_mapping_views_read_only(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "[tool.secure-pipeline]\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.settings.top_findings = 1  # type: ignore[misc]  # the point: frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.stages["zap"].of(ZapSettings).max_depth = 1  # type: ignore[misc]  # the point: frozen
    with pytest.raises(TypeError):
        cfg.stages["zap"].values["max_depth"] = 1  # type: ignore[index]  # the view is read-only
    assert cfg.stages["zap"].values["max_depth"] == ZapSettings().max_depth


def test_command_line_set_rebuilds_the_typed_settings(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "[tool.secure-pipeline]\n")
    apply_overrides(cfg, {"zap": {"max_depth": "3", "csrf_tokens": "tok1, tok2"}, "deps": {"offline": "true"}})
    zap = cfg.stages["zap"].of(ZapSettings)
    assert zap.max_depth == 3 and zap.csrf_tokens == ("tok1", "tok2")
    assert cfg.stages["deps"].of(DepsSettings).offline is True
    with pytest.raises(ConfigError, match=r"^command line: zap\.max_depth: expected an integer, got 'deep'$"):
        apply_overrides(cfg, {"zap": {"max_depth": "deep"}})
    with pytest.raises(ConfigError, match=r"^command line: zap\.colour: unknown option \(known: "):
        apply_overrides(cfg, {"zap": {"colour": "red"}})
    assert cfg.stages["zap"].of(ZapSettings).max_depth == 3  # a refused value changes nothing


def test_a_wrong_type_names_file_table_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, '[tool.secure-pipeline.stages.zap]\nmax_depth = "five"\n')
    assert str(caught.value) == (f"{tmp_path / 'pyproject.toml'}: [tool.secure-pipeline.stages.zap] max_depth: "
                                 "expected an integer, got 'five'")


def test_every_key_of_a_stage_has_exactly_one_owner() -> None:
    for spec in STAGES:
        owners = config_mod.stage_config(spec.name).owners()  # raises on a key declared twice
        declared = len(options_of(spec.settings)) + sum(len(options_of(s.settings_type)) for s in scanners_for(spec.name))
        assert len(owners) == declared, spec.name


def test_every_scanner_declares_settings_and_no_option_tuple() -> None:
    for scanner in SCANNERS:
        assert dataclasses.is_dataclass(scanner.settings_type), scanner.name
        assert scanner.settings_type.__dataclass_params__.frozen, scanner.name  # type: ignore[attr-defined]  # dataclass
        assert not hasattr(scanner, "options"), f"{scanner.name}: declare options as settings_type fields"
        options_of(scanner.settings_type)  # every field has a supported type and a doc
    for spec in STAGES:
        assert issubclass(spec.settings, StageSettings) and spec.settings.__dataclass_params__.frozen, spec.name


def test_defaults_shared_with_other_code_come_from_the_declaration() -> None:
    limits, zap = CrawlLimits(), ZapSettings()
    assert (limits.max_pages, limits.max_depth, limits.post_forms) == (zap.max_pages, zap.max_depth, zap.post_forms)
    source = (PIPELINE / "zap" / "crawler.py").read_text(encoding="utf-8")
    assert "max_pages: int = ZapSettings.max_pages" in source and "max_depth: int = ZapSettings.max_depth" in source
    assert HadolintSettings().dockerfile_patterns  # an empty setting falls back to this declared default


# --- the import graph -----------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PIPELINE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every pipeline module ``path`` imports, at module level or inside a function (a late import is still a cycle)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[:len(base) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if not target.startswith("pipeline"):
                continue
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)  # `from . import errors` imports a module
    modules = set()
    for target in found:
        parts = target.split(".")
        for end in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ too
            modules.add(".".join(parts[:end]))
    return modules


def test_config_is_not_imported_by_anything_it_imports() -> None:
    graph = {_module_name(p): _imports(p) for p in PIPELINE.rglob("*.py")}
    assert "pipeline.config" in graph and "pipeline.adapters.zap" in graph["pipeline.registry"]
    seen: set[str] = set()
    stack = [m for m in graph["pipeline.config"] if m in graph]
    path_to: dict[str, str] = {m: "pipeline.config" for m in stack}
    while stack:
        module = stack.pop()
        if module in seen:
            continue
        seen.add(module)
        for imported in graph.get(module, set()):
            if imported in graph and imported not in seen:
                path_to.setdefault(imported, module)
                stack.append(imported)
    if "pipeline.config" in seen:
        chain, at = ["pipeline.config"], path_to["pipeline.config"]
        while at != "pipeline.config":
            chain.append(at)
            at = path_to[at]
        pytest.fail("import cycle: " + " <- ".join([*chain, "pipeline.config"]))
