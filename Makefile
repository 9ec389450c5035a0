# Both targets bootstrap .venv from nothing on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Four pytest workers on two cores: most tests wait on a browser, a socket or a poll, not the
# CPU. Whole files per worker: module-scoped browsers and servers are started once.
TEST_WORKERS ?= 4
# Some images set PYTHONDONTWRITEBYTECODE=1: every `wall serve` and `wall display` a test
# starts then compiled the whole project again (0.4 s of CPU each, ~170 starts a run).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint format bench bench-quick clean lock audit soak

# uv installs the ~90 packages in 15 s from a cold cache where pip took 28 (plus 2 s to
# upgrade itself), compiling their bytecode on both cores; pip stays the fallback.
$(BIN)/wall: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode -e '.[test]' \
		|| $(BIN)/python -m pip install -q -e '.[test]'
	touch $(BIN)/wall

run: $(BIN)/wall
	$(BIN)/wall demo

# mypy (~10 s from a clean clone) checks beside the parallel run; both verdicts count.
test: $(BIN)/wall
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	typed=$$(mktemp); $(BIN)/mypy > $$typed 2>&1 & checker=$$!; \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not quiet_cpu"; tests=$$?; \
	wait $$checker; types=$$?; cat $$typed; rm -f $$typed; \
	[ $$tests -eq 0 ] && [ $$types -eq 0 ]
	# Real frame timing needs the cores to itself: these run alone, after the rest.
	$(BIN)/python -m pytest -m quiet_cpu

lint: $(BIN)/wall
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(BIN)/wall
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

BENCHES := ingest moderation render sources cluster safety

# `make bench` refreshes every figure of bench/RESULTS.md (10-15 min on 2 cores);
# `make bench-render` runs one; `make bench-quick` checks they all still run.
bench: $(addprefix bench-,$(BENCHES))

bench-%: $(BIN)/wall
	$(BIN)/python bench/$*.py

bench-quick: $(BIN)/wall
	for name in $(BENCHES); do $(BIN)/python bench/$$name.py --quick || exit 1; done

clean:
	rm -rf $(VENV) wall-data .pytest_cache

# requirements.lock: every dependency (and the test extra's) pinned with its hashes, for an
# install that cannot drift: `pip install --require-hashes -r requirements.lock` then
# `pip install --no-deps .`. `make lock` refreshes it after pyproject.toml changes.
lock: $(BIN)/wall
	$(BIN)/python -m pip install -q pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --extra test --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

# Known vulnerabilities in the locked versions (needs the vulnerability service: PyPI's).
audit: $(BIN)/wall
	$(BIN)/python -m pip install -q pip-audit
	$(BIN)/pip-audit --strict --require-hashes --disable-pip -r requirements.lock

# An 8-hour night compressed into minutes (bench/soak.py): not part of `make test`.
soak: $(BIN)/wall
	$(BIN)/python bench/soak.py
