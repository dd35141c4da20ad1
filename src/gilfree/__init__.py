"""gilfree: is this package — and is my project — ready for free-threaded CPython?

Kept import-light on purpose: ``python -m gilfree.runtime.bootstrap`` must run from a
source checkout with only the standard library (it is how scripts/ft-python works).
"""

__version__ = "0.1.0"
