# avatarpipe — the two commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
RELEASE_BIN := .build/release/avatarpipe

.PHONY: setup fixtures build release demo test bench clean

setup:
	@bash scripts/setup.sh

fixtures: setup
	@bash scripts/make-fixtures.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product avatarpipe

# The main job, offline: the free check, then a whole run against the built-in sandbox
# (the fake of the paid API), into demo-out/.
demo: release
	$(RELEASE_BIN) check --photo fixtures/astronaut.png --audio fixtures/speech.wav --script @fixtures/script.txt --fit contain
	$(RELEASE_BIN) run --sandbox --photo fixtures/astronaut.png --audio fixtures/speech.wav --script @fixtures/script.txt \
		--fit contain --hls --title "avatarpipe demo" --out demo-out
	$(RELEASE_BIN) batch fixtures/demo-batch.csv --sandbox --no-sample --out demo-out/batch
	@echo; echo "demo-out/ holds:"; ls -l demo-out

test: fixtures
	$(SWIFT) test

bench: release fixtures
	bash scripts/bench-check.sh
	bash scripts/bench-prepare.sh
	BIN=$(RELEASE_BIN) bash scripts/bench-faces.sh
	bash scripts/bench-preview.sh
	bash scripts/bench-captions.sh
	bash scripts/bench-post.sh
	bash scripts/bench-ledger.sh
	bash scripts/bench-batch.sh

clean:
	rm -rf .build
