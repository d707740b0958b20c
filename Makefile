# rnncli — every target creates .venv on first use.
#   make train                         train the default config on the bundled data
#   make train CONFIG=configs/x.yaml ARGS="train.epochs=5"
#   make predict / make evaluate       use the newest run (or RUN=runs/<name>/<stamp>)
#   make report                        the newest run's HTML report, into report.html
#   make test                          run the test suite (it also checks formatting, lint and the docs)
#   make lint                          ruff format --check and ruff check
#   make docs                          write docs/config.md from the schema, build the site into site/
#   make bench                         run the benchmarks, figures in bench/results.json
# torch is installed first, from one pinned requirement a user can override:
#   make train TORCH="torch==2.5.1"   (a plain `torch` pulls the CUDA build, several GB)

PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
CONFIG ?= configs/seattle_temp_max.yaml
ARGS   ?=
RUN    ?= $(shell ls -1dt runs/*/*/ 2>/dev/null | head -1)
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev

.PHONY: help train check predict evaluate report screenshots test lint docs bench clean

help:
	@echo "make train      set up .venv and train $(CONFIG) (CONFIG=..., ARGS='key=value ...')"
	@echo "make check      check CONFIG and its data without training"
	@echo "make predict    forecast after the end of the data with the newest run (RUN=...) into forecast.csv"
	@echo "make evaluate   score the newest run on its test split beside baselines (RUN=...) into evaluation.json"
	@echo "make report     write the newest run's HTML report (RUN=...) into report.html"
	@echo "make test       set up .venv and run the test suite"
	@echo "make lint       check formatting and lint (ruff)"
	@echo "make docs       write docs/config.md from the schema and build the documentation site into site/"
	@echo "make bench      run the benchmarks (about 15 min) and print each figure beside its target"
	@echo "make clean      remove .venv, caches and runs/"

# what the main job needs, nothing more: a new user's `make train` installs no test or docs tools
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@# bytecode for every installed module, written now even where PYTHONDONTWRITEBYTECODE is set:
	@# without it each command compiles torch again (about 5 s)
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null 2>&1 || true
	@touch $@

# the dev extras: the tests, ruff, mkdocs and the export check (onnx, onnxruntime)
$(DEV): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null 2>&1 || true
	@touch $@

train: $(STAMP)
	$(BIN)/rnncli train $(CONFIG) $(ARGS)

check: $(STAMP)
	$(BIN)/rnncli check $(CONFIG) $(ARGS)

predict: $(STAMP)
	@test -n "$(RUN)" || { echo "no run folder under runs/: run 'make train' first"; exit 2; }
	$(BIN)/rnncli predict $(RUN) --horizon 7 --output forecast.csv --force

evaluate: $(STAMP)
	@test -n "$(RUN)" || { echo "no run folder under runs/: run 'make train' first"; exit 2; }
	$(BIN)/rnncli evaluate $(RUN) --output evaluation.json --force

report: $(STAMP)
	@test -n "$(RUN)" || { echo "no run folder under runs/: run 'make train' first"; exit 2; }
	$(BIN)/rnncli report $(RUN) --output report.html --force

# the report screenshots in docs/images, taken by the report's browser tests (needs chromium)
screenshots: $(DEV)
	RNNCLI_SCREENSHOTS=docs/images RNNCLI_REQUIRE_BROWSER=1 $(BIN)/python -m pytest tests/report/test_html_report.py

test: $(DEV)
	$(BIN)/python -m pytest

lint: $(DEV)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

docs: $(DEV)
	$(BIN)/python -c "from rnncli.config import reference; open('docs/config.md', 'w').write(reference.markdown())"
	$(BIN)/mkdocs build --strict

bench: $(DEV)
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache runs site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
