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
# Enough of captures that raise alerts for the alert paths to be reached.
for name in iodine-null nmap-connect-scan hydra-ssh; do
	"$TOOL" ring "tests/captures/$name.pcap" 0 150 >"tests/fuzz/corpus/ring/seed-$name-alert"
done
du -sh tests/fuzz/corpus/card tests/fuzz/corpus/ring

# State files as the sensor saves them after a capture: once as a payload
# behind a valid checksum (selector 0: the loader's decoding) and once as
# the whole file (selector 0x80: the store's header checks).
mkdir -p tests/fuzz/corpus/state
rm -f tests/fuzz/corpus/state/seed-*
st=$(mktemp -d)
for cap in new-admin-path benign-eastwest; do
	"${BUILD:-build}/bin/ndr-sensor" -q -r "tests/captures/$cap.pcap" --state "$st" >/dev/null
	f=$st/new_admin_path.state
	size=$(stat -c %s "$f")
	{ printf '\000'; dd if="$f" bs=1 skip=24 count=8 status=none
	  dd if="$f" bs=1 skip=32 count=$((size - 64)) status=none; } >"tests/fuzz/corpus/state/seed-$cap-payload"
	{ printf '\200'; cat "$f"; } >"tests/fuzz/corpus/state/seed-$cap-file"
	rm -f "$st"/*
done
rmdir "$st"
