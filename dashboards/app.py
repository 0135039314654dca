"""Streamlit entry point: ``streamlit run dashboards/app.py -- --warehouse FILE``.

Optional: ``--users FILE`` (else $AUXWATCH_USERS, else <warehouse dir>/.auxwatch/users.toml),
``--audit-log FILE``, ``--session-minutes N`` and ``--trusted-proxies LIST`` (the proxies
whose X-Forwarded-For names the client, e.g. ``loopback``).
"""

import sys
from pathlib import Path

# Streamlit puts this file's folder on sys.path, not the repository: make the package
# of this checkout importable whatever is installed.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from dashboards.ui.shell import main  # noqa: E402

main()
