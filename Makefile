# The two commands: `make demo` and `make test`. Both set everything up first
# (Debian packages via apt-get, a .venv with the project) and are idempotent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test quick soak setup system lint typecheck bench serve clean

demo: setup
	@bash scripts/demo.sh

# One worker more than processors: the tests wait on children, servers and the disk, and a
# third worker fills those waits (11.7 min against 12.5 on two processors); the slow tests
# are handed out first (tests/conftest.py) and an idle worker takes queued ones (worksteal).
WORKERS := $(shell echo $$(( $$(nproc) + 1 )))

test: setup lint typecheck
	$(BIN)/pytest -q -n $(WORKERS) --dist worksteal

# The fast part of the suite (not the crash, concurrency and full-render tests): for development.
quick: setup
	$(BIN)/pytest -q -n $(WORKERS) --dist worksteal -m "not slow"

# The long tests in full (about 30 minutes on two cores): a kill before every step on
# PostgreSQL and in S3 too (`make test`: a seeded draw of 4 and 2 steps a flow there), 20
# kills at random moments of `run` and `watch` (8), all 60 drawn layouts read (30).
soak: setup
	GENDAN_SOAK=1 $(BIN)/pytest -q -n $(WORKERS) --dist worksteal tests/test_crash.py tests/test_draws.py

setup: system $(STAMP)
	@$(BIN)/python -m compileall -q pipeline  # byte-code written even where PYTHONDONTWRITEBYTECODE is set

system:
	@PYTHON=$(PYTHON) bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml | system
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

lint: setup
	$(BIN)/ruff check pipeline tests bench scripts

typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/bench_table.py
	$(BIN)/python bench/bench_order.py
	$(BIN)/python bench/bench_factory.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_handover.py
	$(BIN)/python bench/discrepancies.py
	$(BIN)/python bench/draws.py --seed 1 --seed 2 --seed 3 --draws 1000
	$(BIN)/python bench/import_fuzz.py --cases 1000
	$(BIN)/python bench/bench_shared.py
	$(BIN)/python bench/ocr.py --pages 60 --jobs 1

# The office's page on the demo workspace (made by `make demo` if it is not there yet).
serve: setup
	@test -d build/demo/archive || bash scripts/demo.sh >/dev/null
	@bash scripts/serve-demo.sh

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
