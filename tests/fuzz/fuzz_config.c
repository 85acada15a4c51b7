/*
 * fuzz_config.c - arbitrary text as the sensor's configuration file, read
 * by everything that reads it, in ndr-sensor's order: the INI parser, the
 * [card] and [ring] sections, [syslog], every detector's section, then the
 * check for keys nobody asked for.
 *
 * Checks: the parser and every reader either accept or fail with an error
 * that names the file and line ("fuzz.conf:N: ..."); the same text loaded
 * from a file parses to the same verdict as from memory; nothing crashes.
 * Sizes a user may legitimately ask for (a memory_cap of a terabyte) are
 * not findings: tables above 64 MiB are not built here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ndr_config.h"
#include "ndr_detector.h"
#include "ndr_source.h"
#include "ndr_syslog.h"
#include "ndr_workers.h"
#include "sensor.h"

#define MAX_TABLE_BYTES (64ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_config: %s: %s\n", what, err);
	abort();
}

/* An error must say where: "NAME:LINE: ..." or at least "NAME: ...". */
static void check_err(const char *what, const char *err, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(err, name, n) != 0 || err[n] != ':')
		die(what, err[0] ? err : "(empty error message)");
}

static void null_emit(void *arg, const struct ndr_alert *a)
{
	(void)arg;
	(void)a;
}

/* 1 when a detector would build tables larger than MAX_TABLE_BYTES. */
static int too_big(struct ndr_config *cfg)
{
	char err[512];
	uint64_t v;

	for (unsigned i = 0; ndr_detectors[i]; i++)
		if (ndr_config_u64(cfg, ndr_detectors[i]->name, "memory_cap", 0, 0, UINT64_MAX, &v,
				   err, sizeof(err)) == 0 && v > MAX_TABLE_BYTES)
			return 1;
	if (ndr_config_u64(cfg, "dns_tunnel", "max_entities", 0, 0, UINT64_MAX, &v, err,
			   sizeof(err)) == 0 && v > 65536)
		return 1;
	return 0;
}

static int from_file(const uint8_t *data, size_t size, char *err, size_t errlen)
{
	int fd = memfd_create("fuzz.conf", MFD_CLOEXEC);
	char path[64];
	struct ndr_config *cfg;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		die("memfd", "cannot write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cfg = ndr_config_load(path, err, errlen);
	close(fd);
	if (cfg) {
		ndr_config_free(cfg);
		return 1;
	}
	check_err("ndr_config_load", err, path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name = "fuzz.conf";
	char *text = malloc(size + 1), err[1024], ferr[1024];
	struct ndr_config *cfg;
	struct sensor_opts o;
	struct ndr_source_opts so;
	struct ndr_syslog_opts sy;
	struct ndr_workers_out sink = { null_emit, NULL, NULL };
	struct ndr_workers_opts wo = { .workers = 1, .seed = 1 };
	struct ndr_workers *det;
	int in_file;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	err[0] = 0;
	cfg = ndr_config_parse(text, name, err, sizeof(err));
	/* a NUL ends the text in memory; a file goes on past it */
	if (!memchr(data, 0, size)) {
		in_file = from_file(data, size, ferr, sizeof(ferr));
		if (in_file != (cfg != NULL))
			die("the file and the same text in memory disagree", cfg ? ferr : err);
	}
	if (!cfg) {
		check_err("ndr_config_parse", err, name);
		free(text);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	o.numa_node = -1;
	if (sensor_card_config(cfg, &o, &so, err, sizeof(err)) != 0) {
		check_err("[card]/[ring]", err, name);
		goto out;
	}
	ndr_syslog_opts_default(&sy);
	if (ndr_syslog_config(cfg, &sy, err, sizeof(err)) != 0) {
		check_err("[syslog]", err, name);
		goto out;
	}
	if (too_big(cfg))
		goto out;
	det = ndr_workers_new(cfg, &wo, &sink, err, sizeof(err));
	if (!det) {
		/* "detector NAME: fuzz.conf:LINE: ..." */
		const char *inner = strchr(err, ':');

		if (strncmp(err, "detector ", 9) != 0 || !inner)
			die("ndr_workers_new", err);
		check_err("a detector's configuration", inner + 2, name);
		goto out;
	}
	if (ndr_config_check_unused(cfg, err, sizeof(err)) != 0)
		check_err("ndr_config_check_unused", err, name);
	ndr_workers_free(det);
out:
	ndr_config_free(cfg);
	free(text);
	return 0;
}
