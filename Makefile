# chunkcli — two commands on a fresh machine: `make demo` and `make test`.
# torch is installed FIRST from the local CPU wheel (torch==2.13.0); otherwise a dependency
# would pull the multi-GB CUDA build. hnswlib compiles for this CPU: never reuse a cached wheel.

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= ../shared/data
DEMO_DB ?= demo/chunks.db

.PHONY: install demo test test-fast bench man train-segmenter train-docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q --no-cache-dir hnswlib==0.8.0
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	touch $(STAMP)

demo: install
	rm -rf demo && mkdir -p demo
	$(BIN)/chunkcli index fixtures/corpus --db $(DEMO_DB)
	$(BIN)/chunkcli query "how are chunks stored and searched" --db $(DEMO_DB) -k 3
	$(BIN)/chunkcli select "what happens to a corrupt PDF" --db $(DEMO_DB) --budget 200

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not real_model"

bench: install
	$(BIN)/python -m bench --data $(DATA)

man: install
	$(BIN)/python -m chunkcli.manpage > man/chunkcli.1

# ~2.5 h on 2 cores (the budgets the shipped models were trained with): the small punct model 20 min,
# the sentence model ≈ 10-25 min (5 networks × 3000 steps), then the English MiniLM punct heads: harvesting
# ~8 M characters of English prose from installed documentation (4 min) and encoding the training text
# once (13 min; cached in $TMPDIR/chunkcli-punct-lm, ~4 GB; ~10 GB of memory) and 66 min training
# (4 heads); then the topic-tuned MiniLM layer (5 min: 200 contrastive steps over EWT train documents and manual files)
# and the topic boundary cues on its vectors (1 min), and the topic cross-gap layer (10 min: 800 steps of 64 gaps).
# The shipped punct heads read the Debian documentation installed by `make train-docs` (root); without
# it the harvest is smaller and the result differs (docs/sentences.md).
train-segmenter: install
	$(BIN)/python -m chunkcli.train.punct --data $(DATA)/seg --minutes 20
	$(BIN)/python -m chunkcli.train.punct_lm --data $(DATA)/seg --minutes 66 --extra-text auto
	$(BIN)/python -m chunkcli.train.topic_encoder --data $(DATA)
	$(BIN)/python -m chunkcli.train.topic --data $(DATA)
	$(BIN)/python -m chunkcli.train.topic_cross --data $(DATA)

train-docs:
	apt-get install -y --no-install-recommends python3.11-doc linux-doc-6.1 debian-handbook \
	  debian-reference-en developers-reference maint-guide gnu-standards jargon-text \
	  debian-reference-de debian-reference-fr debian-reference-es debian-reference-zh-cn \
	  developers-reference-de developers-reference-fr maint-guide-de maint-guide-fr maint-guide-es \
	  maint-guide-zh-cn debian-faq-de debian-faq-fr debian-faq-zh-cn debian-history \
	  installation-guide-$$(dpkg --print-architecture) debian-edu-doc-de debian-edu-doc-fr \
	  debian-edu-doc-es debian-edu-doc-zh-cn aptitude-doc-fr aptitude-doc-es

clean:
	rm -rf demo .pytest_cache .hypothesis build *.egg-info
