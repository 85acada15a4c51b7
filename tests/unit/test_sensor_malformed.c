/*
 * test_sensor_malformed.c - ndr-sensor (the real binary) on a capture of
 * hostile packets: DNS compression-pointer loops, forward pointers, oversized
 * labels and names, truncated messages, reserved label types, runt and
 * garbage frames, bad IP headers. It must finish with status 0, count the
 * errors in its summary, emit every DNS record with its parse flags, and lose
 * none of the good packets mixed in between.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktgen.h"

struct cap {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t ts_us;
	int frames;
};

static void put(struct cap *c, const uint8_t *b, uint32_t len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(c->ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(c->ts_us % 1000000);
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)c->d, &h, b);
	c->ts_us += 1000;
	c->frames++;
}

static void dns_frame(struct cap *c, const struct dnsb *m, int query)
{
	struct pg p;

	if (query)
		pg_udp4(&p, "10.9.0.1", 40000, "10.9.0.53", 53, m->b, m->len);
	else
		pg_udp4(&p, "10.9.0.53", 53, "10.9.0.1", 40000, m->b, m->len);
	put(c, p.b, p.len);
}

/* Writes the hostile capture; returns how many well-formed DNS queries it holds. */
static int write_capture(const char *path, int *frames)
{
	struct cap c = { 0 };
	struct dnsb m;
	struct pg p;
	int good = 0, i;
	uint8_t junk[300];

	c.dead = pcap_open_dead(DLT_EN10MB, 65535);
	c.d = pcap_dump_open(c.dead, path);
	assert_non_null(c.d);
	c.ts_us = 1764100000ull * 1000000ull;

	for (i = 0; i < 20; i++) {
		/* a good query between every hostile one */
		dnsb_header(&m, (uint16_t)i, 0x0100, 1, 0, 0, 0);
		dnsb_question(&m, "www.example.com", 1, 1);
		dns_frame(&c, &m, 1);
		good++;

		switch (i % 10) {
		case 0: /* pointer to itself */
			dnsb_header(&m, 1, 0x8180, 1, 0, 0, 0);
			dnsb_ptr(&m, 12);
			dnsb_u16(&m, 1);
			dnsb_u16(&m, 1);
			dns_frame(&c, &m, 0);
			break;
		case 1: /* two pointers chasing each other */
			dnsb_header(&m, 2, 0x8180, 1, 1, 0, 0);
			dnsb_question(&m, "a.example.com", 1, 1);
			dnsb_ptr(&m, (uint16_t)(m.len + 2));
			dnsb_ptr(&m, (uint16_t)(m.len - 2));
			dns_frame(&c, &m, 0);
			break;
		case 2: /* forward pointer past the end */
			dnsb_header(&m, 3, 0x0100, 1, 0, 0, 0);
			dnsb_ptr(&m, 4000);
			dns_frame(&c, &m, 1);
			break;
		case 3: { /* a name longer than 255 bytes on the wire */
			char name[400];
			int k;

			name[0] = '\0';
			for (k = 0; k < 6; k++)
				strcat(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
			strcat(name, "example.com");
			dnsb_header(&m, 4, 0x0100, 1, 0, 0, 0);
			dnsb_question(&m, name, 16, 1);
			dns_frame(&c, &m, 1);
			break;
		}
		case 4: /* reserved label type 0x40 */
			dnsb_header(&m, 5, 0x0100, 1, 0, 0, 0);
			dnsb_u8(&m, 0x45);
			dnsb_raw(&m, "abcde", 5);
			dns_frame(&c, &m, 1);
			break;
		case 5: /* message cut inside an answer */
			dnsb_header(&m, 6, 0x8180, 1, 3, 0, 0);
			dnsb_question(&m, "t.example.com", 16, 1);
			dnsb_rr(&m, 12, 16, 60, "\x05hello", 6);
			m.len -= 3;
			dns_frame(&c, &m, 0);
			break;
		case 6: /* ancount far beyond what is there */
			dnsb_header(&m, 7, 0x8180, 1, 65535, 0, 0);
			dnsb_question(&m, "x.example.com", 1, 1);
			dns_frame(&c, &m, 0);
			break;
		case 7: /* shorter than a DNS header */
			dns_frame(&c, &(struct dnsb){ .b = { 1, 2, 3 }, .len = 3 }, 1);
			break;
		case 8: /* runt frame, then random garbage with an IPv4 EtherType */
			put(&c, (const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07", 7);
			for (int k = 0; k < (int)sizeof(junk); k++)
				junk[k] = (uint8_t)(k * 7 + i);
			junk[12] = 0x08;
			junk[13] = 0x00;
			put(&c, junk, sizeof(junk));
			break;
		case 9: /* IPv4 header claiming IHL 15 in a tiny frame */
			pg_udp4(&p, "10.9.0.1", 1, "10.9.0.2", 53, "xx", 2);
			p.b[14] = 0x4f;
			put(&c, p.b, 40);
			break;
		}
	}
	pcap_dump_close(c.d);
	pcap_close(c.dead);
	*frames = c.frames;
	return good;
}

static unsigned long long summary_number(const char *file, const char *label)
{
	char line[4096];
	FILE *f = fopen(file, "r");
	unsigned long long v = ~0ull;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *at = strstr(line, label);

		if (at) {
			v = strtoull(at + strlen(label), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static int file_has(const char *file, const char *text)
{
	char line[4096];
	FILE *f = fopen(file, "r");
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

static void test_sensor_survives_hostile_capture(void **state)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char dir[] = "/tmp/ndr-malformed.XXXXXX";
	char pcap[128], eve[128], err[128], cmd[1024], line[8192];
	int frames, good, status, dns_events = 0, flagged = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof(pcap), "%s/hostile.pcap", dir);
	snprintf(eve, sizeof(eve), "%s/eve.json", dir);
	snprintf(err, sizeof(err), "%s/summary.txt", dir);
	good = write_capture(pcap, &frames);

	snprintf(cmd, sizeof(cmd), "%s/bin/ndr-sensor -r %s --records --eve %s 2>%s", build, pcap,
		 eve, err);
	status = system(cmd);
	assert_int_equal(status, 0);

	assert_int_equal(summary_number(err, "packets   "), frames);
	/* 2 runts, 2 garbage frames, 2 impossible IHLs */
	assert_int_equal(summary_number(err, "parse errors "), 6);
	/* 14 hostile messages with a record plus 2 too short for one */
	assert_int_equal(summary_number(err, "DNS messages "), good + 16);
	assert_true(file_has(err, "(16 malformed)"));

	f = fopen(eve, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "\"event_type\":\"dns\""))
			continue;
		dns_events++;
		if (strstr(line, "\"flowbits\":[\"ndr.dns."))
			flagged++;
	}
	fclose(f);
	/* every good query and every hostile message long enough became a
	 * record, the hostile ones with their parse flags */
	assert_int_equal(dns_events, good + 14);
	assert_int_equal(flagged, 14);
	/* hostile packets never corrupt the ring itself */
	assert_true(file_has(err, " 0 bad ring records"));
	/* nor make the card lose anything: no loss of any kind is named */
	assert_true(file_has(err, "drops     card: none;"));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensor_survives_hostile_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
