# Two commands do everything on a fresh Debian machine with only Python:
#   make demo   installs what is needed and digitises the sample dossiers
#   make test   installs what is needed and runs lint, types and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tesseract with Vietnamese and orientation data, with its headers and a compiler to build
# tesserocr against it (not the wheel: it bundles a slower Tesseract), poppler for PDFs, fonts
# with Vietnamese glyphs for the sample generator, PostgreSQL and Chromium for the tests
# (Playwright drives Debian's chromium: no browser downloads).
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd poppler-utils \
	libtesseract-dev libleptonica-dev g++ pkg-config python3-dev \
	fonts-dejavu-core fonts-liberation2 fonts-noto-core postgresql chromium jbig2dec \
	softhsm2 opensc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SAMPLES := $(wildcard samples/dossiers/*)

.PHONY: install system demo test lint accuracy bench bench-search bench-soak clean

install: system $(VENV)/.installed

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --no-binary tesserocr -e '.[dev]'
	touch $@

demo: install
	@for dossier in $(SAMPLES); do \
		[ -f $$dossier/truth.json ] || continue; \
		name=$$(basename $$dossier); \
		scans=$$(ls -d $$dossier/* | grep -v truth.json); \
		echo "== sohoa digitise $$dossier (--out out/$$name)"; \
		$(BIN)/sohoa digitise $$scans --dossier-id $$name --out out/$$name; \
		code=$$?; [ $$code = 0 ] || exit $$code; \
	done
	@$(BIN)/sohoa storage status
	@echo "Each dossier's PDF/A documents, texts and manifest.json are in out/<dossier>/,"
	@echo "and everything is stored in the object store above (bucket 'sohoa')."
	@echo "Next: $(BIN)/sohoa digitise YOUR-SCANS... --out DIR   (see README.md)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The generated held-out set (seed 9001), then the labelled real scans where this machine has
# them (SOHOA_REAL_DEV, ../shared/real-dev); docs/accuracy.md has the figures.
accuracy: install
	$(BIN)/python -m bench.accuracy --count 4
	$(BIN)/python -m bench.accuracy --real-dev

bench: install
	$(BIN)/python -m bench.throughput

bench-search: install
	$(BIN)/python -m bench.search

bench-soak: install
	$(BIN)/python -m bench.soak

clean:
	rm -rf out build *.egg-info
