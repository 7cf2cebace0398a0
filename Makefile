# The README's two commands. Both work on a fresh clone: they make .venv and install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

.PHONY: run test install system-packages migrate seed lint clean screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

# axe-core, the accessibility checker the browser tests run in each page (from npm, into the venv: never a CDN)
AXE_VERSION := 4.14.1
AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js

install: $(STAMP) system-packages $(AXE)

$(AXE): | $(STAMP) system-packages
	npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/npm axe-core@$(AXE_VERSION)

# Debian packages the project needs: Chromium for the browser tests, libmagic for file types, unar to decode
# compressed RAR members; zip and 7zip (7zz) build the archives the Virus Lab tests unpack, libarchive-tools
# (bsdtar) cross-checks the RAR fixtures; nginx runs deploy/nginx in front of gunicorn in the slow-client tests;
# npm fetches axe-core for the browser tests; dovecot-imapd is the IMAP server the mail-fetch tests read from.
# Each package is installed only when its command (or library) is missing: a machine whose npm came with
# NodeSource's nodejs cannot also take Debian's npm (they conflict).
SYSTEM_PACKAGES = chromium:chromium unar:unar zip:zip 7zz:7zip bsdtar:libarchive-tools nginx:nginx-light npm:npm \
	dovecot:dovecot-imapd
system-packages:
	@missing=; for pair in $(SYSTEM_PACKAGES); do PATH="$$PATH:/usr/sbin" command -v $${pair%%:*} >/dev/null 2>&1 \
	    || missing="$$missing $${pair#*:}"; done; ldconfig -p | grep -q libmagic.so.1 || missing="$$missing libmagic1"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

migrate: $(STAMP)
	$(BIN)/backoffice db upgrade

seed: migrate
	$(BIN)/backoffice seed-demo

run: install seed
	@echo
	@echo "  Portal:   http://127.0.0.1:$${BACKOFFICE_SERVE_PORT:-5000}/"
	@echo "  Console:  http://127.0.0.1:$${BACKOFFICE_SERVE_PORT:-5000}/console/"
	@echo "  Demo logins (above): staff sign in at the console, customers on the portal."
	@echo "  Large files for support requests: ftp://127.0.0.1:2121 (login shown on each request page)."
	@echo "  One job worker runs mail and sample analysis; mail is printed to this log (no SMTP host is set). Ctrl-C stops everything."
	@echo
	@bash -c 'trap "kill 0" EXIT; $(BIN)/backoffice worker --interval 1 & $(BIN)/backoffice ftp-server & $(BIN)/backoffice serve'

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A PNG of every page (tests/browser/site_pages.py) as each role sees it, at 1366 and 390 px, for reviews: the
# accessibility run over the demo data, saving what it checks. SCREENSHOTS=dir to choose the folder.
SCREENSHOTS ?= instance/screenshots/pages
screenshots: install
	rm -rf $(SCREENSHOTS)
	BACKOFFICE_SCREENSHOTS_DIR=$(abspath $(SCREENSHOTS)) $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) \
	    tests/browser/test_every_page.py -k every_page_passes_axe
	@echo "Screenshots: $(SCREENSHOTS)/<role>/<width>px/<page>.png ($$(find $(SCREENSHOTS) -name '*.png' | wc -l) files)"

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
