"""Positive evidence of coverage for tools that print nothing about files they found clean.

* ``pylint_plugin``: a pylint checker of the harness's own that records every module pylint really
  analysed (pylint itself only prints a count, which it computes differently across versions).
* ``canary``: instrumented copies of the inputs, each with a canary defect appended that the tool
  must report for that very file (pyflakes, detect-secrets and hadolint report nothing for a clean
  file, so silence cannot tell "clean" from "never read").
"""
