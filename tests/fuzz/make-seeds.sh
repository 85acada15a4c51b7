#!/bin/bash
# Remake the seed corpora that are cut from the committed captures
# (tests/fuzz/corpus/{card,ring}/seed-*): a few frames of each capture, at
# its start and further in. Hand-written seeds (configs, URLs, state files,
# captures) sit beside them and are not touched. Run from the top with the
# tool built: make build/fuzz-tools/make-seeds && tests/fuzz/make-seeds.sh
set -eu
cd "$(dirname "$0")/../.."
TOOL=${BUILD:-build}/fuzz-tools/make-seeds
for kind in card ring; do
	mkdir -p "tests/fuzz/corpus/$kind"
	rm -f "tests/fuzz/corpus/$kind"/seed-*
done
for cap in tests/captures/*.pcap; do
	name=$(basename "$cap" .pcap)
	for skip in 0 200; do
		"$TOOL" card "$cap" "$skip" 24 >"tests/fuzz/corpus/card/seed-$name-$skip"
		"$TOOL" ring "$cap" "$skip" 40 >"tests/fuzz/corpus/ring/seed-$name-$skip"
	done
done
du -sh tests/fuzz/corpus/card tests/fuzz/corpus/ring
