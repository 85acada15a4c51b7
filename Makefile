# ndr - top-level build. `make` builds everything into build/.
# `make run` and `make test` first install missing Debian packages (scripts/deps.sh).

BUILD   ?= build
CC      ?= cc
CXX     ?= c++
PKGS    := libpcap libpsl libidn2 jansson numa libcrypto rdkafka libssl
CPPFLAGS_ALL := -Ihw/include -Isim/include -Ihost/include -Idetectors/include -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wvla -Wstrict-prototypes -Wmissing-prototypes
OPT     ?= -O2 -g
CFLAGS_ALL := -std=c11 $(OPT) $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
# XRT's native API is C++ (host/lib/source_xrt.cpp); its headers live in
# /usr/include/xrt (Debian's xrt.pc names a wrong prefix, so not pkg-config).
XRT_INC ?= /usr/include/xrt
CXXWARN := -Wall -Wextra -Werror -Wshadow
CXXFLAGS_ALL := -std=c++17 $(OPT) $(CXXWARN) -isystem $(XRT_INC) $(CXXFLAGS)
LDLIBS_ALL := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcap -lxrt_coreutil -luuid -lOpenCL \
	      -lstdc++ -lm -lpthread $(LDLIBS)
# The release (semantic version) and the commit it was built from.
SEMVER  := $(shell cat VERSION)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

HW_SRC     := $(wildcard hw/src/*.c)
SIM_SRC    := $(wildcard sim/src/*.c)
GOLDEN_SRC := $(wildcard sim/golden/*.c)
LIB_SRC    := $(wildcard host/lib/*.c)
LIB_CXX_SRC:= $(wildcard host/lib/*.cpp)
DET_SRC    := $(wildcard detectors/src/*.c)
SENSOR_SRC := $(wildcard host/sensor/*.c)
DETECT_SRC := $(wildcard host/detect/*.c)
SIMTOOL_SRC:= $(wildcard sim/tools/*.c)
GEN_SRC    := $(wildcard sim/gen/*.c)
IVSHMEM_SRC:= $(wildcard sim/ivshmem/*.c)
BENCH_SRC  := $(wildcard tests/bench/*.c)
TEST_SRC   := $(wildcard tests/unit/test_*.c)
TESTTOOL_SRC:= $(wildcard tests/tools/*.c)
TESTLIB_SRC:= $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
# Fuzz harnesses (tests/fuzz/fuzz_NAME.c): each links either with libFuzzer
# (`make fuzz`) or with replay_main.c into a program that runs it over files
# (built by `make`, run over the corpora by `make test`).
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZLIB_SRC:= $(filter-out $(FUZZ_SRC) tests/fuzz/replay_main.c,$(wildcard tests/fuzz/*.c)) \
	      host/sensor/card_config.c host/sensor/outputs.c host/sensor/kafka_output.c host/sensor/kafka_spool.c

obj = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(patsubst %.c,$(BUILD)/obj/%.o,$(1)))
# hw/src is compiled into sim/src/card.c as one unit (see there), not file by file;
# a kernel source it does not include would be silently left out, so say so.
# The OpenCL card's program: opencl/ndr_card.cl with what it includes, as
# one text (opencl/inline.awk) in a C string.
CL_SRC  := opencl/ndr_card.cl opencl/ndr_cl_compat.h opencl/inline.awk
CL_GEN  := $(BUILD)/gen/ndr_card_cl.c
LIB_OBJ := $(call obj,$(SIM_SRC) $(GOLDEN_SRC) $(LIB_SRC) $(LIB_CXX_SRC) $(DET_SRC)) \
	   $(BUILD)/obj/gen/ndr_card_cl.o
CL_MISSING := $(strip $(foreach f,$(HW_SRC),$(if $(shell grep -F '"../$(f)"' opencl/ndr_card.cl),,$(f))))
$(if $(CL_MISSING),$(error opencl/ndr_card.cl: does not include $(CL_MISSING)))
HW_MISSING := $(strip $(foreach f,$(HW_SRC),$(if $(shell grep -F '"../../$(f)"' sim/src/card.c),,$(f))))
$(if $(HW_MISSING),$(error sim/src/card.c: does not include $(HW_MISSING)))
LIBNDR  := $(BUILD)/lib/libndr.a
BINS    := $(BUILD)/bin/ndr-sensor $(BUILD)/bin/ndr-detect $(if $(SIMTOOL_SRC),$(BUILD)/bin/ndr-sim) \
	   $(if $(GEN_SRC),$(BUILD)/bin/ndr-gen) \
	   $(if $(IVSHMEM_SRC),$(BUILD)/bin/ndr-ivshmem-card)
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
# Tools the integration tests run (tests/tools/ndr_test_xclbin.c -> ndr-test-xclbin).
TESTTOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(subst _,-,$(TESTTOOL_SRC)))
REPLAYS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRC))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

# The sanitizer build `make test` runs (and `make sanitize` builds):
# everything under ASan and UBSan, any report fatal.
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# libFuzzer builds (clang): the same sanitizers plus coverage feedback.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60

# Keep objects of tests and tools between builds (they are intermediates of pattern rules).
.SECONDARY:

.PHONY: all deps run test test-unit test-kmod bench clean captures check-synth eval \
	fuzz fuzzers replays sanitize clang-build install deb
all: $(BINS) $(TESTS) $(BENCHES) $(TESTTOOLS) $(REPLAYS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -DNDR_VERSION='"$(VERSION)"' -DNDR_SEMVER='"$(SEMVER)"' $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# XRT's OpenCL extensions (cl_ext_xilinx.h) live in XRT's include directory and
# include_next the Khronos cl_ext.h: only the OpenCL-on-XRT source sees them.
$(BUILD)/obj/host/lib/source_opencl_xilinx.o: CFLAGS_ALL += -isystem $(XRT_INC)

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS_ALL) -DNDR_VERSION='"$(VERSION)"' $(CXXFLAGS_ALL) -MMD -MP -c $< -o $@

$(CL_GEN): $(CL_SRC) $(HW_SRC) $(wildcard hw/include/*.h)
	@mkdir -p $(dir $@)
	awk -v INCLUDE=hw/include:sim/include -f opencl/inline.awk opencl/ndr_card.cl >$@.cl
	{ echo '/* Generated from opencl/ndr_card.cl by the Makefile: do not edit. */'; \
	  echo 'extern const char ndr_card_cl_source[];'; \
	  echo 'const char ndr_card_cl_source[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $@.cl; \
	  echo ';'; } >$@

$(BUILD)/obj/gen/ndr_card_cl.o: $(CL_GEN)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O0 -c $< -o $@

$(LIBNDR): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/ndr-sensor: $(call obj,$(SENSOR_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# The detectors as a Kafka consumer group (docs/fleet.md).
$(BUILD)/bin/ndr-detect: $(call obj,$(DETECT_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bin/ndr-sim: $(call obj,$(SIMTOOL_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bin/ndr-gen: $(call obj,$(GEN_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# The emulated card behind QEMU's ivshmem-plain (tests/integration/kmod_qemu.sh).
$(BUILD)/bin/ndr-ivshmem-card: $(call obj,$(IVSHMEM_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(TESTLIB_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/tools/ndr-test-xclbin: $(BUILD)/obj/tests/tools/ndr_test_xclbin.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ -luuid

$(BUILD)/tools/ndr-pcap-sort: $(BUILD)/obj/tests/tools/ndr_pcap_sort.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lpcap

# librdkafka's mock cluster, for the fleet tests (no broker package needed).
$(BUILD)/tools/ndr-kafka-mock: $(BUILD)/obj/tests/tools/ndr_kafka_mock.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lrdkafka

$(BUILD)/tools/ndr-kafka-bench: $(BUILD)/obj/tests/tools/ndr_kafka_bench.o \
		$(BUILD)/obj/tests/unit/flowgen.o $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/tools/ndr-ring-dump: $(BUILD)/obj/tests/tools/ndr_ring_dump.o $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# Harness sources see the golden model's comparison and each other's headers.
$(BUILD)/obj/tests/fuzz/%.o: CPPFLAGS_ALL += -Isim/golden -Itests/fuzz -Ihost/sensor

$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o \
		$(call obj,$(FUZZLIB_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(call obj,$(FUZZLIB_SRC)) $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -fsanitize-link-c++-runtime -o $@ $^ $(LDLIBS_ALL)

# Cuts seed inputs from captures (tests/fuzz/make-seeds.sh).
$(BUILD)/fuzz-tools/make-seeds: $(BUILD)/obj/tests/fuzz/tools/make_seeds.o $(LIBNDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

replays: $(REPLAYS)
fuzzers: $(FUZZERS)

# Everything again under ASan+UBSan, into $(BUILD)/san (run by `make test`).
sanitize:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san OPT='-O1 -g $(SAN_FLAGS)' all

# Everything again with clang, warnings fatal as with gcc, into $(BUILD)/clang.
clang-build:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/clang CC=clang CXX=clang++ all

# Each harness under libFuzzer for FUZZ_SECONDS (FUZZ_ONLY=NAME for one);
# fails on any finding. docs/fuzzing.md says how to run a campaign.
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/libfuzzer CC=clang CXX=clang++ OPT='-O1 -g $(FUZZ_FLAGS)' fuzzers
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@echo "ndr-sensor on tests/captures/iodine-null.pcap (a real iodine DNS tunnel); alerts:"
	@$(BUILD)/bin/ndr-sensor -r tests/captures/iodine-null.pcap --eve - | jq .

test: deps
	@$(MAKE) --no-print-directory all sanitize clang-build
	@tests/run.sh

# ndr.ko in a QEMU guest (builds the module and the guest's static binaries).
test-kmod: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh kmod_qemu

test-unit: all
	@tests/run.sh --unit

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@tests/bench.sh

check-synth:
	@scripts/check-synth.sh

# Precision/recall per detector on the labelled captures (docs/evaluation.md); more with
# EVAL_DIR=DIR [EVAL_LABELS=FILE] [EVAL_CONFIG=FILE]. The generated captures
# (make-lateral-captures.sh beacon-300s benign-background, not committed) join when they exist.
EVAL_LABELS ?= $(if $(EVAL_DIR),$(EVAL_DIR)/labels.tsv)
eval:
	@scripts/deps.sh eval
	@$(MAKE) --no-print-directory all
	@SENSOR=$(BUILD)/bin/ndr-sensor tests/eval/eval.sh -c "$(EVAL_CONFIG)" \
		tests/captures:tests/captures/labels.tsv \
		$(if $(wildcard tests/captures/labels-lateral.tsv),tests/captures:tests/captures/labels-lateral.tsv:tests/captures/lateral.conf) \
		$(if $(and $(wildcard tests/captures/generated/benign-background.pcap),$(wildcard tests/captures/generated/beacon-300s.pcap)),tests/captures/generated:tests/captures/labels-generated.tsv:tests/captures/lateral.conf) \
		$(if $(EVAL_DIR),$(EVAL_DIR):$(EVAL_LABELS))

# Remake the committed captures with the real tools (root; see tests/captures/README.md).
captures:
	@scripts/deps.sh captures
	tests/captures/make-captures.sh
	@if [ -x tests/captures/make-lateral-captures.sh ]; then tests/captures/make-lateral-captures.sh; fi

# Install (ndr-sensor(8) "FILES"): make install PREFIX=/usr/local DESTDIR=
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
DKMSDIR    ?= /usr/src
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' kernel-module/dkms.conf)
INSTALL_BINS := $(BUILD)/bin/ndr-sensor $(BUILD)/bin/ndr-sim $(BUILD)/bin/ndr-gen

install: $(INSTALL_BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/ndr $(DESTDIR)$(SYSCONFDIR)/default \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(INSTALL_BINS) $(DESTDIR)$(BINDIR)/
	for m in ndr-sim.1:man1 ndr.conf.5:man5 ndr-sensor.8:man8; do \
		sed 's/@SEMVER@/$(SEMVER)/' man/$${m%%:*} >$(DESTDIR)$(MANDIR)/$${m##*:}/$${m%%:*} && \
		chmod 0644 $(DESTDIR)$(MANDIR)/$${m##*:}/$${m%%:*} || exit 1; done
	@# an operator's edited configuration is never overwritten
	if [ -e $(DESTDIR)$(SYSCONFDIR)/ndr/ndr.conf ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/ndr/ndr.conf"; \
	else install -m 0644 packaging/ndr.conf $(DESTDIR)$(SYSCONFDIR)/ndr/ndr.conf; fi
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/default/ndr-sensor ]; then \
		install -m 0644 packaging/ndr-sensor.default $(DESTDIR)$(SYSCONFDIR)/default/ndr-sensor; fi
	install -m 0644 packaging/ndr-sensor.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/ndr-sensor
	sed 's|@BINDIR@|$(BINDIR)|' packaging/ndr-sensor.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/ndr-sensor.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/ndr-sensor.service
	install -m 0644 packaging/ndr.sysusers $(DESTDIR)$(SYSUSERSDIR)/ndr.conf
	$(MAKE) --no-print-directory -C kernel-module dkms-src \
		DESTDIR=$(abspath $(DESTDIR)$(DKMSDIR))/ndr-$(DKMS_VERSION) >/dev/null

# A Debian package of the above (scripts/make-deb.sh): build/ndr_VERSION_ARCH.deb
deb: $(INSTALL_BINS)
	@scripts/make-deb.sh $(BUILD) $(SEMVER)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
