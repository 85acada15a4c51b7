/*
 * cef.c - alerts as ArcSight CEF (ndr_cef.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ndr_cef.h"
#include "ndr_community_id.h"
#include "ndr_eve.h"
#include "ndr_flow_id.h"
#include "ndr_record.h"

static char *escape(const char *s, int header)
{
	size_t n = 0;
	char *out, *p;

	if (!s)
		s = "";
	for (const char *q = s; *q; q++)
		n += 2;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	p = out;
	for (; *s; s++) {
		char c = *s;

		if (c == '\\' || (header && c == '|') || (!header && c == '=')) {
			*p++ = '\\';
			*p++ = c;
		} else if (c == '\n' || c == '\r') {
			if (header) {
				*p++ = ' ';
			} else {
				*p++ = '\\';
				*p++ = c == '\n' ? 'n' : 'r';
			}
		} else {
			*p++ = c;
		}
	}
	*p = '\0';
	return out;
}

char *ndr_cef_escape_header(const char *s)
{
	return escape(s, 1);
}

char *ndr_cef_escape_value(const char *s)
{
	return escape(s, 0);
}

int ndr_cef_severity(int alert_severity)
{
	switch (alert_severity) {
	case 1: return 9;
	case 2: return 6;
	case 3: return 3;
	}
	return 1;
}

/* A growing string; failed sticks once an allocation fails. */
struct text {
	char *s;
	size_t len, cap;
	int failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = (t->cap + (size_t)n + 1) * 2;
			char *m = realloc(t->s, cap);
			if (!m) {
				t->failed = 1;
				return;
			}
			t->s = m;
			t->cap = cap;
		}
	}
}

/* " key=value" with the value escaped */
static void ext(struct text *t, const char *key, const char *value)
{
	char *v = ndr_cef_escape_value(value);

	if (!v) {
		t->failed = 1;
		return;
	}
	add(t, " %s=%s", key, v);
	free(v);
}

static void ext_addr(struct text *t, const char *key, const uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];

	if (ndr_addr_is_v4mapped(addr))
		inet_ntop(AF_INET, addr + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, addr, buf, sizeof(buf));
	add(t, " %s=%s", key, buf);
}

char *ndr_cef_alert(const struct ndr_alert *a, const char *version)
{
	static const char *const scopes[] = { "flow", "host", "pair" };
	struct text t = { malloc(512), 0, 512, 0 };
	char *ver = ndr_cef_escape_header(version), *name = ndr_cef_escape_header(a->signature);
	char mitre[256] = "", *evidence;
	size_t used = 0;

	if (!t.s || !ver || !name) {
		t.failed = 1;
		goto out;
	}
	t.s[0] = '\0';
	add(&t, "CEF:0|ndr|ndr-sensor|%s|%u|%s|%d|", ver, a->signature_id, name,
	    ndr_cef_severity(a->severity));
	/* first key without its leading space */
	add(&t, "rt=%llu", (unsigned long long)(a->ts_ns / 1000000u));
	ext(&t, "cat", a->category);
	ext(&t, "act", "allowed");
	ext_addr(&t, "src", a->src_addr);
	if (a->scope != NDR_ALERT_HOST)
		ext_addr(&t, "dst", a->dst_addr);
	if (a->scope == NDR_ALERT_FLOW) {
		char cid[NDR_COMMUNITY_ID_LEN];
		int ports = a->proto == 6 || a->proto == 17 || a->proto == 132;

		if (ports)
			add(&t, " spt=%u dpt=%u", a->src_port, a->dst_port);
		switch (a->proto) {
		case 6: add(&t, " proto=TCP"); break;
		case 17: add(&t, " proto=UDP"); break;
		case 1: add(&t, " proto=ICMP"); break;
		case 58: add(&t, " proto=IPv6-ICMP"); break;
		case 132: add(&t, " proto=SCTP"); break;
		default: add(&t, " proto=%u", a->proto);
		}
		if (ndr_community_id_v1(a->src_addr, a->dst_addr, a->proto,
					ports ? a->src_port : (uint16_t)(a->dst_port >> 8),
					ports ? a->dst_port : (uint16_t)(a->dst_port & 0xff), 0,
					cid) == 0) {
			ext(&t, "cs3Label", "communityId");
			ext(&t, "cs3", cid);
		}
		add(&t, " cn1Label=flowId cn1=%llu", (unsigned long long)ndr_flow_id(
			    a->src_addr, a->src_port, a->dst_addr, a->dst_port, a->proto));
	}
	if (a->entity) {
		ext(&t, "cs1Label", "entity");
		ext(&t, "cs1", a->entity);
	}
	for (int i = 0; i < NDR_ALERT_MAX_MITRE && a->mitre[i] && used < sizeof(mitre); i++)
		used += (size_t)snprintf(mitre + used, sizeof(mitre) - used, "%s%s", i ? "," : "",
					 a->mitre[i]);
	if (mitre[0]) {
		ext(&t, "cs2Label", "mitreTechniques");
		ext(&t, "cs2", mitre);
	}
	add(&t, " cfp1Label=score cfp1=%.4f", a->score);
	ext(&t, "cs4Label", "scope");
	ext(&t, "cs4", scopes[(unsigned)a->scope < 3 ? a->scope : 0]);
	evidence = a->evidence ? json_dumps(a->evidence, NDR_EVE_DUMP_FLAGS | JSON_ENSURE_ASCII)
			       : NULL;
	if (evidence) {
		ext(&t, "cs5Label", "evidence");
		ext(&t, "cs5", evidence);
		free(evidence);
	}
out:
	free(ver);
	free(name);
	if (t.failed) {
		free(t.s);
		return NULL;
	}
	return t.s;
}
