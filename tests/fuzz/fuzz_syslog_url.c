/*
 * fuzz_syslog_url.c - arbitrary text as a --syslog URL and as a [syslog]
 * facility name.
 *
 * Checks: a URL is accepted or refused with "URL: bad syslog URL: why"; an
 * accepted one has a non-empty host without '/' and a port 1..65535, and
 * written back in canonical form it parses to the same thing (so what the
 * sensor prints is what it uses). A facility name parses to 0..23 or -1.
 * Nothing is resolved or opened: a name would be a DNS query off this host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void die(const char *what, const char *url)
{
	fprintf(stderr, "fuzz_syslog_url: %s: '%s'\n", what, url);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* room for the whole URL in the message, so truncation is not a finding */
	size_t errlen = size + 256;
	char *url = malloc(size + 1), *err = malloc(errlen), again[600];
	struct ndr_syslog_url u, v;
	int fac;
	long port;
	char *end;

	if (!url || !err)
		abort();
	memcpy(url, data, size);
	url[size] = 0;
	fac = ndr_syslog_facility_parse(url);
	if (fac < -1 || fac > 23)
		die("facility out of range", url);
	err[0] = 0;
	if (ndr_syslog_url_parse(url, &u, err, errlen) != 0) {
		if (strncmp(err, url, strlen(url)) != 0 || !strstr(err, "bad syslog URL: "))
			die("a refusal that does not name the URL and say why", err);
		free(url);
		free(err);
		return 0;
	}
	port = strtol(u.port, &end, 10);
	if (!u.host[0] || strchr(u.host, '/') || strlen(u.host) >= sizeof(u.host) || *end ||
	    port < 1 || port > 65535)
		die("an accepted URL with a bad host or port", url);
	snprintf(again, sizeof(again), "%s://%s%s%s:%s", u.tls ? "tls" : u.tcp ? "tcp" : "udp",
		 u.ipv6_literal ? "[" : "", u.host, u.ipv6_literal ? "]" : "", u.port);
	if (ndr_syslog_url_parse(again, &v, err, errlen) != 0)
		die("the canonical form of an accepted URL is refused", again);
	if (memcmp(&u, &v, sizeof(u)) != 0)
		die("the canonical form parses to something else", again);
	free(url);
	free(err);
	return 0;
}
