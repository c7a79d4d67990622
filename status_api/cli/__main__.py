"""`python -m status_api.cli`, as the benchmarks run it."""

import sys

from status_api.cli import main

sys.exit(main())
