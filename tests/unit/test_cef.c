/*
 * test_cef.c - alerts as ArcSight CEF (ndr_cef.h), checked by parsing the
 * text back as a CEF consumer does: seven unescaped-pipe-separated header
 * fields, then key=value extensions split at unescaped '=' and unescaped
 * back; hostile text (pipes, backslashes, equal signs, line breaks) in
 * every place it can reach comes back exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ndr_cef.h"
#include "ndr_flow_id.h"

#define MAX_EXT 40

struct cef {
	char *header[7];
	int n_header;
	char *key[MAX_EXT], *value[MAX_EXT];
	int n_ext;
};

/* A consumer's parser, written from the spec, not from cef.c. */
static void parse(const char *text, struct cef *c)
{
	const char *p = text;
	char buf[8192];
	size_t n;

	memset(c, 0, sizeof(*c));
	if (strncmp(p, "CEF:", 4))
		fail_msg("no CEF: prefix: %s", text);
	p += 4;
	while (c->n_header < 7) {
		n = 0;
		while (*p && *p != '|') {
			if (*p == '\\' && (p[1] == '|' || p[1] == '\\'))
				p++;
			else if (*p == '\\')
				fail_msg("bad header escape at %s", p);
			if (*p == '\n' || *p == '\r')
				fail_msg("line break in the header");
			buf[n++] = *p++;
		}
		if (*p != '|')
			fail_msg("header field %d not ended by a pipe", c->n_header);
		p++;
		buf[n] = '\0';
		c->header[c->n_header++] = strdup(buf);
	}
	/* extensions: key=value, the value up to the space before the next key= */
	while (*p) {
		const char *eq = strchr(p, '=');
		const char *v, *end, *q;

		if (!eq)
			fail_msg("extension without '=' at %s", p);
		c->key[c->n_ext] = strndup(p, (size_t)(eq - p));
		for (q = c->key[c->n_ext]; *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
				fail_msg("bad key '%s'", c->key[c->n_ext]);
		v = eq + 1;
		/* the value ends at " key=" where '=' is not escaped */
		end = v;
		for (;;) {
			const char *sp = strchr(end, ' ');
			const char *k;

			if (!sp) {
				end = v + strlen(v);
				break;
			}
			for (k = sp + 1; (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
					 (*k >= '0' && *k <= '9'); k++)
				;
			if (*k == '=' && k > sp + 1) {
				end = sp;
				break;
			}
			end = sp + 1;
		}
		n = 0;
		for (q = v; q < end; q++) {
			if (*q == '=')
				fail_msg("unescaped '=' in the value of %s", c->key[c->n_ext]);
			if (*q == '\n' || *q == '\r')
				fail_msg("raw line break in the value of %s", c->key[c->n_ext]);
			if (*q == '\\') {
				q++;
				if (*q == 'n')
					buf[n++] = '\n';
				else if (*q == 'r')
					buf[n++] = '\r';
				else if (*q == '=' || *q == '\\')
					buf[n++] = *q;
				else
					fail_msg("bad value escape \\%c", *q);
				continue;
			}
			buf[n++] = *q;
		}
		buf[n] = '\0';
		c->value[c->n_ext++] = strdup(buf);
		p = *end ? end + 1 : end;
	}
}

static const char *ext(const struct cef *c, const char *key)
{
	for (int i = 0; i < c->n_ext; i++)
		if (!strcmp(c->key[i], key))
			return c->value[i];
	return NULL;
}

static void free_cef(struct cef *c)
{
	for (int i = 0; i < c->n_header; i++)
		free(c->header[i]);
	for (int i = 0; i < c->n_ext; i++) {
		free(c->key[i]);
		free(c->value[i]);
	}
}

static void v4(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	inet_pton(AF_INET, text, out + 12);
}

static void test_escaping(void **state)
{
	char *h = ndr_cef_escape_header("a|b\\c\nd=e");
	char *v = ndr_cef_escape_value("a|b\\c\nd=e\rf");

	(void)state;
	assert_string_equal(h, "a\\|b\\\\c d=e");
	assert_string_equal(v, "a|b\\\\c\\nd\\=e\\rf");
	free(h);
	free(v);
	assert_int_equal(ndr_cef_severity(1), 9);
	assert_int_equal(ndr_cef_severity(2), 6);
	assert_int_equal(ndr_cef_severity(3), 3);
	assert_int_equal(ndr_cef_severity(0), 1);
}

static void test_flow_alert_parses_back(void **state)
{
	static const char hostile[] = "evil|name\\with=all\nkinds\rof | = \\ ";
	struct ndr_alert a;
	struct cef c;
	json_t *ev = json_pack("{s:s,s:i}", "note", "x=1|y\\z\n", "queries", 3);
	char *text, want[64];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.ts_ns = 1795642744123456789ull;
	a.category = "dns_tunnel";
	a.signature = "NDR DNS tunnel | pipes \\ and = signs\nnewline";
	a.signature_id = 8610001;
	a.severity = 1;
	a.score = 0.875;
	a.mitre[0] = "T1071.004";
	a.mitre[1] = "T1572";
	v4("10.53.0.1", a.src_addr);
	v4("10.53.0.2", a.dst_addr);
	a.src_port = 60713;
	a.dst_port = 53;
	a.proto = 17;
	a.entity = hostile;
	a.evidence = ev;
	text = ndr_cef_alert(&a, "1.2|3");
	assert_non_null(text);
	assert_null(strchr(text, '\n'));
	parse(text, &c);
	assert_string_equal(c.header[0], "0");
	assert_string_equal(c.header[1], "ndr");
	assert_string_equal(c.header[2], "ndr-sensor");
	assert_string_equal(c.header[3], "1.2|3");
	assert_string_equal(c.header[4], "8610001");
	assert_string_equal(c.header[5], "NDR DNS tunnel | pipes \\ and = signs newline");
	assert_string_equal(c.header[6], "9");
	assert_string_equal(ext(&c, "rt"), "1795642744123");
	assert_string_equal(ext(&c, "cat"), "dns_tunnel");
	assert_string_equal(ext(&c, "act"), "allowed");
	assert_string_equal(ext(&c, "src"), "10.53.0.1");
	assert_string_equal(ext(&c, "dst"), "10.53.0.2");
	assert_string_equal(ext(&c, "spt"), "60713");
	assert_string_equal(ext(&c, "dpt"), "53");
	assert_string_equal(ext(&c, "proto"), "UDP");
	assert_string_equal(ext(&c, "cs1Label"), "entity");
	assert_string_equal(ext(&c, "cs1"), hostile);
	assert_string_equal(ext(&c, "cs2"), "T1071.004,T1572");
	assert_string_equal(ext(&c, "cs3Label"), "communityId");
	assert_string_equal(ext(&c, "cs3"), "1:3Bd1mPNE7HwADDEqM2LB/hPjb3Y=");
	snprintf(want, sizeof(want), "%llu", (unsigned long long)ndr_flow_id(a.src_addr, 60713,
							a.dst_addr, 53, 17));
	assert_string_equal(ext(&c, "cn1"), want);
	assert_string_equal(ext(&c, "cfp1"), "0.8750");
	assert_string_equal(ext(&c, "cs4"), "flow");
	{
		json_t *back = json_loads(ext(&c, "cs5"), 0, NULL);
		assert_non_null(back);
		assert_true(json_equal(back, ev));
		json_decref(back);
	}
	free_cef(&c);
	free(text);
	json_decref(ev);
}

static void test_host_alert_has_no_tuple(void **state)
{
	struct ndr_alert a;
	struct cef c;
	char *text;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.category = "port_scan";
	a.signature = "NDR port sweep";
	a.signature_id = 8640001;
	a.severity = 2;
	a.scope = NDR_ALERT_HOST;
	v4("10.77.0.11", a.src_addr);
	v4("10.77.0.99", a.dst_addr);
	a.dst_port = 445;
	a.proto = 6;
	text = ndr_cef_alert(&a, "x");
	parse(text, &c);
	assert_string_equal(c.header[6], "6");
	assert_string_equal(ext(&c, "src"), "10.77.0.11");
	assert_null(ext(&c, "dst"));
	assert_null(ext(&c, "spt"));
	assert_null(ext(&c, "dpt"));
	assert_null(ext(&c, "cn1"));
	assert_null(ext(&c, "cs3"));
	assert_string_equal(ext(&c, "cs4"), "host");
	free_cef(&c);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_flow_alert_parses_back),
		cmocka_unit_test(test_host_alert_has_no_tuple),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
