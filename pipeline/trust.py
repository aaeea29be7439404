"""Settings only the harness's caller can give: which code-loading tool settings of the scanned
repository may be obeyed.

The scanned repository is hostile input, so nothing it contains (its pyproject.toml included) can
grant trust. Trust comes from the environment of the harness process, which the pull request does
not control: ``SECURE_PIPELINE_TRUST=pylint-plugins,pylint-init-hook``. Scanners never see it as a
credential and it is never read from ``[tool.secure-pipeline]``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

TRUST_ENV = "SECURE_PIPELINE_TRUST"

# Each capability lets the repository's configuration run its own code inside one scanner.
CAPABILITIES: dict[str, str] = {
    "pylint-plugins": "pylint imports the modules named in load-plugins (and accepts their options)",
    "pylint-init-hook": "pylint executes the Python code of init-hook",
    "pylint-extension-packages": "pylint imports the C extensions allowed by extension-pkg-allow-list, "
                                 "extension-pkg-whitelist or unsafe-load-any-extension",
}


class TrustError(ValueError):
    """SECURE_PIPELINE_TRUST names something that is not a capability."""


def trusted(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The capabilities the harness's caller granted; TrustError for a name that is not one."""
    raw = (os.environ if environ is None else environ).get(TRUST_ENV, "")
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(names - CAPABILITIES.keys())
    if unknown:
        raise TrustError(f"{TRUST_ENV}: unknown capability {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(sorted(CAPABILITIES))})")
    return names
