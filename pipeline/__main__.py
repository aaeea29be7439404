"""`python -m pipeline` is the same as the `pipeline` command."""

import os
import sys

# `python -m` puts the working folder first on sys.path, and the harness usually runs inside the
# scanned repository: its json.py or argparse.py would be imported instead of the standard
# library's, running repository code in the harness. Nothing but sys (built in) is imported yet.
if sys.path and sys.path[0] in ("", ".", os.getcwd()):
    del sys.path[0]

from .cli import main  # noqa: E402  (after the path is made safe)

sys.exit(main())
