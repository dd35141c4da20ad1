"""``python -m gilfree``: the same entry point as the ``gilfree`` console script.

``gilfree.cli`` imports nothing heavy before ``main`` has set the SIGINT/SIGTERM
handlers; a Ctrl-C while this imports it still ends with one line, not a traceback.
"""

import sys

try:
    from .cli import main
except KeyboardInterrupt:
    print("gilfree: interrupted", file=sys.stderr)
    exec("pass")  # noqa: S102 - see gilfree.cli._Stop.finish: or -m exits by SIGINT
    sys.exit(130)

sys.exit(main())
