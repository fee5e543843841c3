# Two commands for a fresh machine with Python 3.11+: `make demo` and `make test`.
# Both create .venv and install the pinned dependencies (constraints.txt) first.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PIP_FLAGS ?= --disable-pip-version-check --no-input -q

.PHONY: demo demo-pooled test test-fast notebooks venv lock clean app

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m analysis run analyses/demo.yaml --out runs

# Pooling across studies with a known truth: yearly and two-yearly cohorts from one continuous-time model.
demo-pooled: $(STAMP)
	$(PY) -m analysis run analyses/demo_pooled.yaml --out runs

# The dashboard, opening on the built-in synthetic cohort (http://localhost:8501).
app: $(STAMP)
	$(PY) -m streamlit run app.py

test: $(STAMP)
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m 'not slow'

# Execute the example notebooks and write the executed .ipynb beside each .py source.
notebooks: $(STAMP)
	$(PY) notebooks/execute.py

# Re-pin every dependency to what a fresh install resolves today (review the diff).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install $(PIP_FLAGS) -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache
