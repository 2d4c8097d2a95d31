# Two entry points: `make run` (install, build the index if missing, serve the chat) and
# `make test` (install with test and milvus extras and system packages, then run the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 7860
# pytest workers for `make test`: two keep both cores of a small machine busy (much of the
# suite waits on subprocesses, servers and browsers) while a test file stays on one worker,
# so its module fixtures (servers, indexes) are built once; TEST_WORKERS=0 runs in-process
TEST_WORKERS ?= 2

export HF_HUB_OFFLINE ?= 1
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false

.PHONY: run test install install-test system-deps index lint bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned and installed first: the CPU build lies on this machine's disk; any
# other release would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	touch $@

# the tests also run the Milvus store on Milvus Lite (the optional `milvus` extra); `make run`
# never installs it
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -q -e '.[test,milvus]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-deps

# What the browser and PDF tests print and read with: headless Chromium, LibreOffice Writer
# and XeLaTeX (the PDFs of tests/document/test_pdf_producers.py), poppler's pdftotext (the
# extractor texts of eval/bench_pdf.py) and the TLWG Thai fonts (without them Thai renders as
# boxes). Installed only when running as root on Debian and not there yet; otherwise those
# tests skip. XeLaTeX comes without its recommends: they add Latin font families, and the
# fonts the other producers see should stay the ones these tests were measured with.
system-deps:
	@if [ -x /usr/bin/chromium ] && command -v soffice >/dev/null && command -v pdftotext >/dev/null \
			&& command -v xelatex >/dev/null && fc-list 2>/dev/null | grep -qi garuda; then \
		echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-thai-tlwg libreoffice-writer-nogui poppler-utils >/dev/null \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			texlive-xetex >/dev/null; \
	else \
		echo "not root or not Debian: browser and PDF producer tests will be skipped" \
			"(install chromium, fonts-thai-tlwg, libreoffice-writer-nogui, poppler-utils," \
			"texlive-xetex)"; \
	fi

index: install
	@if [ ! -f index/manifest.json ]; then $(BIN)/rag ingest; fi

run: install
	$(BIN)/rag serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check src tests eval ui
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: install-test
	$(BIN)/ruff check src tests eval ui

bench: install-test
	$(BIN)/rag bench

eval: index
	$(BIN)/rag eval --out eval/report

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
