"""``python -m jinan_eval_gui.cli``: the same as ``jinan-eval``."""

import sys

from .main import main

sys.exit(main())
