/*
 * test_syslog.c - the RFC 5424 syslog sink against listeners in this
 * process (exact bytes of UDP datagrams and RFC 6587 TCP frames, a receiver
 * that is down, comes up, restarts; a full spool) and against a real
 * rsyslogd started for the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ndr_eve.h"
#include "ndr_syslog.h"

/* ---- helpers ------------------------------------------------------------ */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A socket bound to 127.0.0.1 (or ::1) on port (0: any free one). */
static int bound_socket(int type, int v6, uint16_t port, uint16_t *out_port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	int fd = socket(v6 ? AF_INET6 : AF_INET, type, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons(port);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		fail_msg("bind port %u: %s", port, strerror(errno));
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (out_port)
		*out_port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
				     : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static uint16_t free_port(int type)
{
	uint16_t port;
	int fd = bound_socket(type, 0, 0, &port);

	close(fd);
	return port;
}

static int tcp_listener(uint16_t port, uint16_t *out_port)
{
	int fd = bound_socket(SOCK_STREAM, 0, port, out_port);

	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static int accept_within(int lfd, unsigned ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, (int)ms) != 1)
		fail_msg("no connection within %u ms", ms);
	return accept(lfd, NULL, NULL);
}

/* Read one RFC 6587 octet-counted frame: "LEN SP MSG". Returns malloc'd MSG. */
static char *read_frame(int fd)
{
	char lenbuf[16];
	size_t n = 0, len, got = 0;
	char *msg;
	struct timeval tv = { 3, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		char c;
		if (recv(fd, &c, 1, 0) != 1)
			fail_msg("frame length: connection ended after %zu bytes", n);
		if (c == ' ')
			break;
		if (c < '0' || c > '9' || n + 1 >= sizeof(lenbuf))
			fail_msg("frame length: unexpected byte 0x%02x", (unsigned char)c);
		lenbuf[n++] = c;
	}
	lenbuf[n] = '\0';
	assert_true(n > 0 && lenbuf[0] != '0');
	len = strtoul(lenbuf, NULL, 10);
	msg = malloc(len + 1);
	assert_non_null(msg);
	while (got < len) {
		ssize_t r = recv(fd, msg + got, len - got, 0);
		if (r <= 0)
			fail_msg("frame body: got %zu of %zu bytes", got, len);
		got += (size_t)r;
	}
	msg[len] = '\0';
	assert_int_equal(strlen(msg), len);
	return msg;
}

static void sample_alert(struct ndr_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->ts_ns = 1795642744123456789ull;
	a->category = "dns_tunnel";
	a->signature = "DNS tunnel: high-entropy names under t.example.com";
	a->signature_id = 4200001;
	a->severity = 1;
	a->score = 0.5;
	a->mitre[0] = "T1071.004";
	a->src_addr[10] = a->src_addr[11] = 0xff;
	a->src_addr[12] = 192; a->src_addr[13] = 168; a->src_addr[14] = 1; a->src_addr[15] = 10;
	a->dst_addr[10] = a->dst_addr[11] = 0xff;
	a->dst_addr[12] = 192; a->dst_addr[13] = 168; a->dst_addr[14] = 1; a->dst_addr[15] = 1;
	a->src_port = 40000;
	a->dst_port = 53;
	a->proto = 17;
	a->entity = "t.example.com";
}

/* The exact line the sink must produce for an alert. */
static char *expected_line(const struct ndr_alert *a, int pri, const char *host)
{
	char *json = ndr_eve_alert_str(a), *line;

	assert_non_null(json);
	assert_true(asprintf(&line, "<%d>1 2026-11-25T21:39:04.123456Z %s ndr-sensor %ld %s - %s",
			     pri, host, (long)getpid(), a->category, json) > 0);
	free(json);
	return line;
}

static struct ndr_syslog *open_sink(const char *url, size_t spool, char *err, size_t errlen)
{
	struct ndr_syslog_opts o;

	ndr_syslog_opts_default(&o);
	o.url = url;
	o.hostname = "sensor-1";
	o.backoff_min_ms = 10;
	o.backoff_max_ms = 40;
	o.close_flush_ms = 300;
	if (spool)
		o.spool_bytes = spool;
	return ndr_syslog_open(&o, err, errlen);
}

/* poll the sink until pred holds or ms pass */
static int wait_sent(struct ndr_syslog *s, uint64_t want, unsigned ms)
{
	uint64_t end = mono_ms() + ms;
	struct ndr_syslog_stats st;

	for (;;) {
		ndr_syslog_poll(s);
		ndr_syslog_stats(s, &st);
		if (st.sent >= want)
			return 1;
		if (mono_ms() > end)
			return 0;
		sleep_ms(5);
	}
}

/* ---- tests -------------------------------------------------------------- */

static void test_bad_urls(void **state)
{
	static const struct { const char *url, *want; } cases[] = {
		{ "http://127.0.0.1:514", "expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT" },
		{ "127.0.0.1:514", "expected udp://HOST:PORT" },
		{ "udp://", "empty or overlong host" },
		{ "udp://:514", "empty or overlong host" },
		{ "udp://127.0.0.1:0", "port must be a number 1..65535" },
		{ "udp://127.0.0.1:65536", "port must be a number 1..65535" },
		{ "tcp://127.0.0.1:http", "port must be a number 1..65535" },
		{ "tcp://127.0.0.1:", "port must be a number 1..65535" },
		{ "udp://::1:514", "an IPv6 address needs brackets" },
		{ "udp://[::1:514", "missing ']'" },
		{ "udp://[::1]x", "text after ']'" },
		{ "udp://[127.0.0.1]:514", "cannot resolve" },
		{ "udp://127.0.0.1:514/path", "port must be a number" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ndr_syslog *s;
		err[0] = '\0';
		s = open_sink(cases[i].url, 0, err, sizeof(err));
		if (s) {
			ndr_syslog_close(s, NULL);
			fail_msg("%s: opened, expected '%s'", cases[i].url, cases[i].want);
		}
		if (!strstr(err, cases[i].want) || strncmp(err, cases[i].url, strlen(cases[i].url)))
			fail_msg("%s: error '%s' lacks '%s'", cases[i].url, err, cases[i].want);
	}
}

static void test_mappings(void **state)
{
	(void)state;
	assert_int_equal(ndr_syslog_severity(1), 2);
	assert_int_equal(ndr_syslog_severity(2), 3);
	assert_int_equal(ndr_syslog_severity(3), 4);
	assert_int_equal(ndr_syslog_severity(0), 5);
	assert_int_equal(ndr_syslog_severity(9), 5);
	assert_int_equal(ndr_syslog_facility_parse("local0"), 16);
	assert_int_equal(ndr_syslog_facility_parse("LOCAL7"), 23);
	assert_int_equal(ndr_syslog_facility_parse("daemon"), 3);
	assert_int_equal(ndr_syslog_facility_parse("auth"), 4);
	assert_int_equal(ndr_syslog_facility_parse("12"), 12);
	assert_int_equal(ndr_syslog_facility_parse("24"), -1);
	assert_int_equal(ndr_syslog_facility_parse("local8"), -1);
	assert_int_equal(ndr_syslog_facility_parse(""), -1);
}

static void test_config(void **state)
{
	char err[256] = "";
	struct ndr_config *cfg = ndr_config_parse(
		"[syslog]\nfacility = local3\nspool_bytes = 64k\nhostname = probe-7\n"
		"backoff_min = 50ms\nbackoff_max = 10s\nclose_flush = 1s\n", "s.conf", err,
		sizeof(err));
	struct ndr_syslog_opts o;

	(void)state;
	assert_non_null(cfg);
	ndr_syslog_opts_default(&o);
	assert_int_equal(ndr_syslog_config(cfg, &o, err, sizeof(err)), 0);
	assert_int_equal(o.facility, 19);
	assert_int_equal(o.spool_bytes, 64000);
	assert_string_equal(o.hostname, "probe-7");
	assert_int_equal(o.backoff_min_ms, 50);
	assert_int_equal(o.backoff_max_ms, 10000);
	assert_int_equal(o.close_flush_ms, 1000);
	assert_int_equal(o.connect_timeout_ms, 5000);
	assert_int_equal(ndr_config_check_unused(cfg, err, sizeof(err)), 0);
	ndr_config_free(cfg);

	cfg = ndr_config_parse("[syslog]\n\nfacility = local9\n", "s.conf", err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(ndr_syslog_config(cfg, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "s.conf:3: [syslog] facility: 'local9' is not a facility"));
	ndr_config_free(cfg);
}

static void udp_exact(int v6)
{
	uint16_t port;
	int rfd = bound_socket(SOCK_DGRAM, v6, 0, &port);
	char url[64], err[256] = "", buf[65536];
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	struct ndr_alert a;
	char *want;
	ssize_t n;
	struct timeval tv = { 3, 0 };

	snprintf(url, sizeof(url), v6 ? "udp://[::1]:%u" : "udp://127.0.0.1:%u", port);
	s = open_sink(url, 0, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	sample_alert(&a);
	assert_int_equal(ndr_syslog_send_alert(s, &a), 0);
	setsockopt(rfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(rfd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	want = expected_line(&a, 16 * 8 + 2, "sensor-1");
	assert_string_equal(buf, want);   /* one datagram, exactly the line */
	free(want);

	/* severity 3, raw message, no msgid, a hostile hostname char */
	assert_int_equal(ndr_syslog_send(s, 4, NULL, 1795642744000001000ull, "hello"), 0);
	n = recv(rfd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	snprintf(url, sizeof(url), "%ld", (long)getpid());
	{
		char line[256];
		snprintf(line, sizeof(line),
			 "<132>1 2026-11-25T21:39:04.000001Z sensor-1 ndr-sensor %s - - hello", url);
		assert_string_equal(buf, line);
	}
	/* sent once no ICMP error came back for udp_confirm_ms */
	assert_true(wait_sent(s, 2, 2000));
	ndr_syslog_stats(s, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);
	ndr_syslog_close(s, &st);
	assert_int_equal(st.sent, 2);
	close(rfd);
}

static void test_udp_exact_ipv4(void **state)
{
	(void)state;
	udp_exact(0);
}

static void test_udp_exact_ipv6(void **state)
{
	(void)state;
	udp_exact(1);
}

/* A UDP receiver that is down answers with ICMP port-unreachable: the sink
 * takes back the datagram it refused (not counted as sent), spools what
 * follows, and delivers all of it, in order, once the receiver is back. */
static void test_udp_receiver_down(void **state)
{
	uint16_t port = free_port(SOCK_DGRAM);
	char url[64], err[256] = "", buf[2048];
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	int rfd;
	ssize_t n;
	struct timeval tv = { 3, 0 };

	(void)state;
	snprintf(url, sizeof(url), "udp://127.0.0.1:%u", port);
	s = open_sink(url, 0, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "first"), 0);  /* no one to tell us yet */
	sleep_ms(20);                                                   /* the ICMP error arrives */
	assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "second"), 0);
	ndr_syslog_stats(s, &st);
	assert_int_equal(st.sent, 0);      /* refused: not sent */
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.queued, 2);
	assert_non_null(strstr(ndr_syslog_last_error(s), "Connection refused"));

	rfd = bound_socket(SOCK_DGRAM, 0, port, NULL);
	assert_true(wait_sent(s, 2, 3000));
	setsockopt(rfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(rfd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, " t - first"));
	n = recv(rfd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, " t - second"));
	ndr_syslog_close(s, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.queued + st.dropped, 0);
	close(rfd);
}

static void test_tcp_octet_counting(void **state)
{
	uint16_t port;
	int lfd = tcp_listener(0, &port), cfd;
	char url[64], err[256] = "";
	struct ndr_syslog_opts o;
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	struct ndr_alert a;
	char *want, *got;

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	ndr_syslog_opts_default(&o);
	o.url = url;
	o.hostname = "has space";        /* not PRINTUSASCII: becomes '_' */
	o.facility = 19;                  /* local3 */
	s = ndr_syslog_open(&o, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	cfd = accept_within(lfd, 2000);
	assert_true(cfd >= 0);
	sample_alert(&a);
	for (int sev = 1; sev <= 3; sev++) {
		a.severity = sev;
		assert_int_equal(ndr_syslog_send_alert(s, &a), 0);
	}
	/* a message with a newline inside: octet counting carries it intact */
	assert_int_equal(ndr_syslog_send(s, 6, "multi", 1795642744000000000ull, "a\nb"), 0);
	assert_true(wait_sent(s, 4, 2000));
	for (int sev = 1; sev <= 3; sev++) {
		a.severity = sev;
		want = expected_line(&a, 19 * 8 + ndr_syslog_severity(sev), "has_space");
		got = read_frame(cfd);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
	got = read_frame(cfd);
	assert_non_null(strstr(got, " multi - a\nb"));
	assert_int_equal(strncmp(got, "<158>1 ", 7), 0);
	free(got);
	ndr_syslog_close(s, &st);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.reconnects, 0);
	close(cfd);
	close(lfd);
}

static void test_tcp_receiver_down_then_up(void **state)
{
	uint16_t port = free_port(SOCK_STREAM);
	char url[64], err[256] = "";
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	uint64_t t0;
	int lfd, cfd;

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	s = open_sink(url, 0, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	t0 = mono_ms();
	for (int i = 0; i < 5; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "m%d", i);
		assert_int_equal(ndr_syslog_send(s, 5, "t", 0, msg), 0);
	}
	assert_true(mono_ms() - t0 < 100);  /* never blocked */
	ndr_syslog_stats(s, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.queued, 5);
	assert_int_equal(st.dropped, 0);
	assert_non_null(strstr(ndr_syslog_last_error(s), "Connection refused"));

	sleep_ms(30);
	ndr_syslog_poll(s);   /* a retry, still refused */
	ndr_syslog_stats(s, &st);
	assert_true(st.reconnects >= 1);

	lfd = tcp_listener(port, NULL);
	assert_true(wait_sent(s, 5, 3000));
	cfd = accept_within(lfd, 1000);
	for (int i = 0; i < 5; i++) {
		char *got = read_frame(cfd), want[24];
		snprintf(want, sizeof(want), " t - m%d", i);
		if (!strstr(got, want))   /* in order, each once */
			fail_msg("frame %d: '%s' lacks '%s'", i, got, want);
		free(got);
	}
	ndr_syslog_close(s, &st);
	assert_int_equal(st.sent, 5);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);
	close(cfd);
	close(lfd);
}

static void test_tcp_receiver_restart(void **state)
{
	uint16_t port;
	int lfd = tcp_listener(0, &port), cfd;
	char url[64], err[256] = "";
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	char *got;

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	s = open_sink(url, 0, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	cfd = accept_within(lfd, 2000);
	assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "before"), 0);
	assert_true(wait_sent(s, 1, 2000));
	got = read_frame(cfd);
	assert_non_null(strstr(got, "before"));
	free(got);

	/* the receiver restarts */
	close(cfd);
	close(lfd);
	sleep_ms(20);
	lfd = tcp_listener(port, NULL);

	assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "after"), 0);
	assert_true(wait_sent(s, 2, 3000));
	cfd = accept_within(lfd, 1000);
	got = read_frame(cfd);
	assert_non_null(strstr(got, "after"));
	free(got);
	ndr_syslog_close(s, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.dropped, 0);
	assert_true(st.reconnects >= 1);
	close(cfd);
	close(lfd);
}

static void test_spool_full_counts_drops(void **state)
{
	uint16_t port = free_port(SOCK_STREAM);
	char url[64], err[256] = "", msg[200];
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	int accepted = 0, refused = 0;
	uint64_t t0;

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	s = open_sink(url, 1000, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	/* each frame is about 199 + 55 header bytes: 3 fit in 1000 */
	for (int i = 0; i < 10; i++) {
		if (ndr_syslog_send(s, 5, "t", 0, msg) == 0)
			accepted++;
		else
			refused++;
	}
	ndr_syslog_stats(s, &st);
	assert_int_equal(accepted, 3);
	assert_int_equal(refused, 7);
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.dropped, 7);
	assert_int_equal(st.sent + st.queued + st.dropped, 10);
	assert_true(st.spool_bytes <= 1000);

	/* close with the receiver still down: bounded wait, the rest counted */
	t0 = mono_ms();
	ndr_syslog_close(s, &st);
	assert_true(mono_ms() - t0 < 1000);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 10);
}

static void test_close_flushes(void **state)
{
	uint16_t port = free_port(SOCK_STREAM);
	char url[64], err[256] = "";
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	int lfd, cfd;

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	s = open_sink(url, 0, err, sizeof(err));
	assert_non_null(s);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "queued"), 0);
	lfd = tcp_listener(port, NULL);
	/* nobody polls: close itself reconnects and sends within its budget */
	ndr_syslog_close(s, &st);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.dropped, 0);
	cfd = accept_within(lfd, 1000);
	for (int i = 0; i < 3; i++)
		free(read_frame(cfd));
	close(cfd);
	close(lfd);
}

/* ---- a real rsyslogd ---------------------------------------------------- */

struct rsyslog {
	pid_t pid;
	char dir[64];
	char out[128];
	uint16_t udp_port, tcp_port;
};

/* A collector whose name does not resolve now is a receiver that is down:
 * the sink opens, keeps what comes, and says why. */
static void test_name_unresolvable_at_start(void **state)
{
	char err[256] = "";
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;

	(void)state;
	s = open_sink("tcp://ndr-no-such-collector.invalid:514", 0, err, sizeof(err));
	if (!s)
		fail_msg("did not open: %s", err);
	assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "waits"), 0);
	ndr_syslog_stats(s, &st);
	assert_int_equal(st.queued, 1);
	assert_non_null(strstr(ndr_syslog_last_error(s), "cannot resolve"));
	ndr_syslog_close(s, &st);
	assert_int_equal(st.dropped, 1);     /* memory spool: counted, never silent */
}

/* Reconnection backs off exponentially, with jitter: a receiver that stays
 * down for 2 s sees a handful of attempts, not hundreds. */
static void test_backoff(void **state)
{
	uint16_t port = free_port(SOCK_STREAM);
	char url[64], err[256];
	struct ndr_syslog_opts o;
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	uint64_t end;

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	ndr_syslog_opts_default(&o);
	o.url = url;
	o.backoff_min_ms = 100;
	o.backoff_max_ms = 400;
	o.close_flush_ms = 0;
	s = ndr_syslog_open(&o, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "x"), 0);
	for (end = mono_ms() + 2000; mono_ms() < end;) {
		ndr_syslog_poll(s);
		sleep_ms(1);
	}
	ndr_syslog_stats(s, &st);
	/* waits 50-100, 100-200, then 200-400 ms: 5 to 12 attempts in 2 s */
	if (st.reconnects < 4 || st.reconnects > 12)
		fail_msg("%llu reconnects in 2 s", (unsigned long long)st.reconnects);
	ndr_syslog_close(s, NULL);
}

/* With a disk spool, what the receiver never got stays on disk at close
 * and the next sink on the same receiver sends it first, in order. */
static void test_disk_spool_survives_restart(void **state)
{
	uint16_t port = free_port(SOCK_STREAM);
	char url[64], err[256], dir[64], cmd[96];
	struct ndr_syslog_opts o;
	struct ndr_syslog *s;
	struct ndr_syslog_stats st;
	int lfd, cfd;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ndr-syslog-spool.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	ndr_syslog_opts_default(&o);
	o.url = url;
	o.spool_dir = dir;
	o.backoff_min_ms = 10;
	o.backoff_max_ms = 40;
	o.close_flush_ms = 100;
	s = ndr_syslog_open(&o, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	for (int i = 0; i < 5; i++) {
		char m[32];
		snprintf(m, sizeof(m), "msg%d", i);
		assert_int_equal(ndr_syslog_send(s, 5, "t", 0, m), 0);
	}
	ndr_syslog_close(s, &st);
	assert_int_equal(st.kept, 5);
	assert_int_equal(st.dropped, 0);

	lfd = tcp_listener(port, NULL);
	s = ndr_syslog_open(&o, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	ndr_syslog_stats(s, &st);
	assert_int_equal(st.recovered, 5);
	assert_int_equal(ndr_syslog_send(s, 5, "t", 0, "msg5"), 0);
	cfd = accept_within(lfd, 2000);
	assert_true(cfd >= 0);
	assert_true(wait_sent(s, 6, 2000));
	for (int i = 0; i < 6; i++) {
		char *f = read_frame(cfd), want[32];
		snprintf(want, sizeof(want), " t - msg%d", i);
		assert_non_null(f);
		if (!strstr(f, want))
			fail_msg("frame %d: %s, want ...%s", i, f, want);
		free(f);
	}
	ndr_syslog_close(s, &st);
	assert_int_equal(st.kept, 0);
	close(cfd);
	close(lfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int wait_tcp_port(uint16_t port, unsigned ms)
{
	uint64_t end = mono_ms() + ms;

	while (mono_ms() < end) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
		close(fd);
		if (ok)
			return 1;
		sleep_ms(50);
	}
	return 0;
}

static void rsyslog_start(struct rsyslog *r)
{
	static const char *const rsyslogd = "/usr/sbin/rsyslogd";
	char conf[128], pidfile[128];
	FILE *f;

	if (access(rsyslogd, X_OK) != 0)
		fail_msg("%s not found: install rsyslog (scripts/deps.sh does)", rsyslogd);
	strcpy(r->dir, "/tmp/ndr-rsyslog-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(conf, sizeof(conf), "%s/rsyslog.conf", r->dir);
	snprintf(pidfile, sizeof(pidfile), "%s/rsyslogd.pid", r->dir);
	snprintf(r->out, sizeof(r->out), "%s/received.log", r->dir);
	r->udp_port = free_port(SOCK_DGRAM);
	r->tcp_port = free_port(SOCK_STREAM);
	f = fopen(conf, "w");
	assert_non_null(f);
	/* rsyslog's own parse of our header, field by field, then the MSG */
	fprintf(f,
		"global(workDirectory=\"%s\" maxMessageSize=\"64k\")\n"
		"module(load=\"imudp\")\n"
		"module(load=\"imtcp\")\n"
		"input(type=\"imudp\" address=\"127.0.0.1\" port=\"%u\")\n"
		"input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%u\")\n"
		"template(name=\"fields\" type=\"string\" string=\"%%protocol-version%%|%%pri%%|"
		"%%timereported:::date-rfc3339%%|%%hostname%%|%%app-name%%|%%procid%%|%%msgid%%|"
		"%%structured-data%%|%%msg%%\\n\")\n"
		"*.* action(type=\"omfile\" file=\"%s\" template=\"fields\")\n",
		r->dir, r->udp_port, r->tcp_port, r->out);
	fclose(f);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		execl(rsyslogd, rsyslogd, "-n", "-f", conf, "-i", pidfile, (char *)NULL);
		_exit(127);
	}
	if (!wait_tcp_port(r->tcp_port, 10000))
		fail_msg("rsyslogd did not listen on tcp %u within 10 s", r->tcp_port);
	sleep_ms(200);   /* imudp starts alongside imtcp */
}

static void rsyslog_stop(struct rsyslog *r)
{
	char cmd[160];

	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", r->dir);
}

/* Lines of the file, once it holds at least want lines (10 s at most). */
static int read_lines(const char *path, char lines[][8192], int max, int want)
{
	uint64_t end = mono_ms() + 10000;
	int n = 0;

	while (mono_ms() < end) {
		FILE *f = fopen(path, "r");
		n = 0;
		if (f) {
			while (n < max && fgets(lines[n], 8192, f))
				n++;
			fclose(f);
		}
		if (n >= want)
			break;
		sleep_ms(50);
	}
	return n;
}

static void test_real_rsyslog(void **state)
{
	struct rsyslog r = { 0 };
	static char lines[4][8192];
	char url[64], err[256] = "", prefix[256];
	struct ndr_syslog *udp, *tcp;
	struct ndr_syslog_stats st;
	struct ndr_alert a;
	char *json;
	int n;

	(void)state;
	rsyslog_start(&r);
	snprintf(url, sizeof(url), "udp://127.0.0.1:%u", r.udp_port);
	udp = open_sink(url, 0, err, sizeof(err));
	snprintf(url, sizeof(url), "tcp://localhost:%u", r.tcp_port);
	tcp = open_sink(url, 0, err, sizeof(err));
	if (!udp || !tcp) {
		rsyslog_stop(&r);
		fail_msg("%s", err);
	}
	sample_alert(&a);
	a.entity = "udp.example";
	assert_int_equal(ndr_syslog_send_alert(udp, &a), 0);
	a.entity = "tcp.example";
	a.severity = 3;
	assert_int_equal(ndr_syslog_send_alert(tcp, &a), 0);
	ndr_syslog_close(udp, &st);
	assert_int_equal(st.sent, 1);
	ndr_syslog_close(tcp, &st);
	assert_int_equal(st.sent, 1);

	n = read_lines(r.out, lines, 4, 2);
	rsyslog_stop(&r);
	assert_int_equal(n, 2);
	for (int i = 0; i < 2; i++) {
		int is_udp = strstr(lines[i], "udp.example") != NULL;
		a.entity = is_udp ? "udp.example" : "tcp.example";
		a.severity = is_udp ? 1 : 3;
		json = ndr_eve_alert_str(&a);
		/* rsyslog understood every RFC 5424 header field as we meant it */
		snprintf(prefix, sizeof(prefix),
			 "1|%d|2026-11-25T21:39:04.123456Z|sensor-1|ndr-sensor|%ld|dns_tunnel|-|",
			 is_udp ? 130 : 132, (long)getpid());
		if (strncmp(lines[i], prefix, strlen(prefix)))
			fail_msg("line %d: '%s' does not start with '%s'", i, lines[i], prefix);
		lines[i][strcspn(lines[i], "\n")] = '\0';
		assert_string_equal(lines[i] + strlen(prefix), json);
		free(json);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_mappings),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_udp_exact_ipv4),
		cmocka_unit_test(test_udp_exact_ipv6),
		cmocka_unit_test(test_udp_receiver_down),
		cmocka_unit_test(test_tcp_octet_counting),
		cmocka_unit_test(test_tcp_receiver_down_then_up),
		cmocka_unit_test(test_tcp_receiver_restart),
		cmocka_unit_test(test_spool_full_counts_drops),
		cmocka_unit_test(test_close_flushes),
		cmocka_unit_test(test_name_unresolvable_at_start),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_disk_spool_survives_restart),
		cmocka_unit_test(test_real_rsyslog),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
