/*
 * syslog_sink.c - RFC 5424 syslog over UDP or TCP (ndr_syslog.h).
 *
 * Every message goes through the spool, a FIFO of ready-to-write frames:
 * send() appends and then drains as far as the socket takes it, so the fast
 * path (receiver up, socket not full) writes at once and the slow path
 * (receiver down or slow) keeps the order without a second code path. The
 * socket is never waited on, except in close() for a bounded time.
 *
 * TCP: a frame partly written when the connection breaks is sent again from
 * its start on the next connection (the receiver discards the torn frame
 * with the broken connection), so "sent" counts only whole frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ndr_eve.h"
#include "ndr_syslog.h"

#define SYSLOG_MAX_ADDRS 8
#define UDP_MAX_PAYLOAD 65507u   /* IPv4: 65535 - 20 (IP) - 8 (UDP) */

struct spool_msg {
	struct spool_msg *next;
	size_t len;
	size_t off;       /* bytes already written (TCP) */
	char data[];
};

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP };

struct ndr_syslog {
	char *url;
	int tcp;
	struct sockaddr_storage addrs[SYSLOG_MAX_ADDRS];
	socklen_t addrlens[SYSLOG_MAX_ADDRS];
	int naddrs, addr_idx;

	int fd;
	enum conn_state state;
	int attempted;            /* a connection was tried before */
	uint64_t connect_started_ms;
	uint64_t next_attempt_ms; /* not before this: backoff */
	unsigned backoff_ms;

	struct spool_msg *head, *tail;
	size_t spool_max;
	struct ndr_syslog_stats st;

	int facility;
	char hostname[256];
	char app_name[49];
	char procid[24];
	unsigned backoff_min_ms, backoff_max_ms, connect_timeout_ms, close_flush_ms;
	char last_error[256];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void set_error(struct ndr_syslog *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct ndr_syslog *s, const char *fmt, ...)
{
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(s->last_error, sizeof(s->last_error), "%s: %s", s->url, what);
}

/* ---- options ------------------------------------------------------------ */

void ndr_syslog_opts_default(struct ndr_syslog_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->facility = NDR_SYSLOG_FACILITY_LOCAL0;
	o->spool_bytes = 4u << 20;
	o->backoff_min_ms = 250;
	o->backoff_max_ms = 30000;
	o->connect_timeout_ms = 5000;
	o->close_flush_ms = 2000;
}

int ndr_syslog_facility_parse(const char *name)
{
	static const char *const names[24] = {
		"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
		"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "clock",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
	};
	char *end;
	long v;

	for (int i = 0; i < 24; i++)
		if (!strcasecmp(name, names[i]))
			return i;
	if (*name < '0' || *name > '9')
		return -1;
	v = strtol(name, &end, 10);
	return (*end == '\0' && v >= 0 && v <= 23) ? (int)v : -1;
}

int ndr_syslog_severity(int alert_severity)
{
	switch (alert_severity) {
	case 1: return 2;  /* critical */
	case 2: return 3;  /* error */
	case 3: return 4;  /* warning */
	}
	return 5;          /* notice */
}

int ndr_syslog_config(struct ndr_config *cfg, struct ndr_syslog_opts *o,
		      char *err, size_t errlen)
{
	const char *facility, *hostname;
	uint64_t v;

	if (ndr_config_str(cfg, "syslog", "facility", NULL, &facility, err, errlen))
		return -1;
	if (facility) {
		int f = ndr_syslog_facility_parse(facility);
		if (f < 0)
			return ndr_config_errorf(cfg, "syslog", "facility", facility, err, errlen,
						 "'%s' is not a facility (local0..local7, user, "
						 "daemon, auth, ... or 0..23)", facility);
		o->facility = f;
	}
	if (ndr_config_u64(cfg, "syslog", "spool_bytes", o->spool_bytes, 0, 1ull << 34, &v,
			   err, errlen))
		return -1;
	o->spool_bytes = (size_t)v;
	if (ndr_config_str(cfg, "syslog", "hostname", o->hostname, &hostname, err, errlen))
		return -1;
	o->hostname = hostname;
	if (ndr_config_duration_ms(cfg, "syslog", "backoff_min", o->backoff_min_ms, 1, 3600000,
				   &v, err, errlen))
		return -1;
	o->backoff_min_ms = (unsigned)v;
	if (ndr_config_duration_ms(cfg, "syslog", "backoff_max", o->backoff_max_ms,
				   o->backoff_min_ms, 3600000, &v, err, errlen))
		return -1;
	o->backoff_max_ms = (unsigned)v;
	if (ndr_config_duration_ms(cfg, "syslog", "connect_timeout", o->connect_timeout_ms, 1,
				   600000, &v, err, errlen))
		return -1;
	o->connect_timeout_ms = (unsigned)v;
	if (ndr_config_duration_ms(cfg, "syslog", "close_flush", o->close_flush_ms, 0, 600000,
				   &v, err, errlen))
		return -1;
	o->close_flush_ms = (unsigned)v;
	return 0;
}

/* ---- URL ---------------------------------------------------------------- */

/* RFC 5424 header fields are PRINTUSASCII (33..126) with a length bound;
 * anything else becomes '_' rather than breaking the receiver's parser. */
static void header_field(char *dst, size_t dstlen, const char *src)
{
	size_t n = 0;

	for (; src && *src && n + 1 < dstlen; src++)
		dst[n++] = (*src >= 33 && *src <= 126) ? *src : '_';
	if (n == 0)
		dst[n++] = '-';
	dst[n] = '\0';
}

int ndr_syslog_url_parse(const char *url, struct ndr_syslog_url *out, char *err, size_t errlen)
{
	const char *rest, *colon;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	snprintf(out->port, sizeof(out->port), "514");
	if (!strncmp(url, "udp://", 6)) {
		out->tcp = 0;
	} else if (!strncmp(url, "tcp://", 6)) {
		out->tcp = 1;
	} else {
		snprintf(err, errlen, "%s: bad syslog URL: expected udp://HOST:PORT or tcp://HOST:PORT",
			 url);
		return -1;
	}
	rest = url + 6;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close) {
			snprintf(err, errlen, "%s: bad syslog URL: missing ']' after IPv6 address", url);
			return -1;
		}
		hlen = (size_t)(close - rest - 1);
		if (hlen == 0 || hlen >= sizeof(out->host)) {
			snprintf(err, errlen, "%s: bad syslog URL: empty or overlong host", url);
			return -1;
		}
		memcpy(out->host, rest + 1, hlen);
		out->host[hlen] = '\0';
		out->ipv6_literal = 1;
		colon = close + 1;
		if (*colon != '\0' && *colon != ':') {
			snprintf(err, errlen, "%s: bad syslog URL: text after ']'", url);
			return -1;
		}
	} else {
		colon = strchr(rest, ':');
		if (colon && strchr(colon + 1, ':')) {
			snprintf(err, errlen, "%s: bad syslog URL: an IPv6 address needs brackets "
				 "(udp://[::1]:514)", url);
			return -1;
		}
		hlen = colon ? (size_t)(colon - rest) : strlen(rest);
		if (hlen == 0 || hlen >= sizeof(out->host)) {
			snprintf(err, errlen, "%s: bad syslog URL: empty or overlong host", url);
			return -1;
		}
		memcpy(out->host, rest, hlen);
		out->host[hlen] = '\0';
		if (!colon)
			colon = rest + hlen;
	}
	if (*colon == ':') {
		const char *p = colon + 1;
		long v;
		char *end;
		if (*p < '0' || *p > '9' || strlen(p) > 5) {
			snprintf(err, errlen, "%s: bad syslog URL: port must be a number 1..65535", url);
			return -1;
		}
		v = strtol(p, &end, 10);
		if (*end != '\0' || v < 1 || v > 65535) {
			snprintf(err, errlen, "%s: bad syslog URL: port must be a number 1..65535", url);
			return -1;
		}
		snprintf(out->port, sizeof(out->port), "%ld", v);
	}
	if (strchr(out->host, '/')) {
		snprintf(err, errlen, "%s: bad syslog URL: no path allowed", url);
		return -1;
	}
	return 0;
}

static int parse_url(struct ndr_syslog *s, const char *url, char *err, size_t errlen)
{
	struct ndr_syslog_url u;
	struct addrinfo hints, *res = NULL, *ai;
	int rc;

	if (ndr_syslog_url_parse(url, &u, err, errlen) != 0)
		return -1;
	s->tcp = u.tcp;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = u.ipv6_literal ? AF_INET6 : AF_UNSPEC;
	hints.ai_flags = u.ipv6_literal ? AI_NUMERICHOST : 0;
	hints.ai_socktype = s->tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags |= AI_NUMERICSERV;
	rc = getaddrinfo(u.host, u.port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%s: cannot resolve '%s': %s", url, u.host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && s->naddrs < SYSLOG_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(s->addrs[0]))
			continue;
		memcpy(&s->addrs[s->naddrs], ai->ai_addr, ai->ai_addrlen);
		s->addrlens[s->naddrs++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (s->naddrs == 0) {
		snprintf(err, errlen, "%s: '%s' has no usable address", url, u.host);
		return -1;
	}
	return 0;
}

/* ---- the spool ---------------------------------------------------------- */

static int spool_push(struct ndr_syslog *s, const char *frame_hdr, size_t hdr_len,
		      const char *body, size_t body_len)
{
	size_t len = hdr_len + body_len;
	struct spool_msg *m;

	if (len > s->spool_max - s->st.spool_bytes || (!s->tcp && len > UDP_MAX_PAYLOAD)) {
		s->st.dropped++;
		return -1;
	}
	m = malloc(sizeof(*m) + len);
	if (!m) {
		s->st.dropped++;
		return -1;
	}
	m->next = NULL;
	m->len = len;
	m->off = 0;
	memcpy(m->data, frame_hdr, hdr_len);
	memcpy(m->data + hdr_len, body, body_len);
	if (s->tail)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->st.queued++;
	s->st.spool_bytes += len;
	return 0;
}

static void spool_pop(struct ndr_syslog *s)
{
	struct spool_msg *m = s->head;

	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	s->st.queued--;
	s->st.spool_bytes -= m->len;
	free(m);
}

/* ---- the connection ----------------------------------------------------- */

static void close_fd(struct ndr_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The connection failed or broke: try the next address after a backoff. */
static void conn_lost(struct ndr_syslog *s, uint64_t now)
{
	close_fd(s);
	s->state = CONN_DOWN;
	s->next_attempt_ms = now + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > s->backoff_max_ms ? s->backoff_max_ms
							      : s->backoff_ms * 2;
	s->addr_idx = (s->addr_idx + 1) % s->naddrs;
	if (s->head)
		s->head->off = 0;
}

static void conn_up(struct ndr_syslog *s)
{
	s->state = CONN_UP;
	s->backoff_ms = s->backoff_min_ms;
}

static void conn_start(struct ndr_syslog *s, uint64_t now)
{
	const struct sockaddr *sa = (const struct sockaddr *)&s->addrs[s->addr_idx];

	if (s->attempted)
		s->st.reconnects++;
	s->attempted = 1;
	s->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		set_error(s, "socket: %s", strerror(errno));
		conn_lost(s, now);
		return;
	}
	if (connect(s->fd, sa, s->addrlens[s->addr_idx]) == 0) {
		conn_up(s);
	} else if (errno == EINPROGRESS) {
		s->state = CONN_CONNECTING;
		s->connect_started_ms = now;
	} else {
		set_error(s, "connect: %s", strerror(errno));
		conn_lost(s, now);
	}
}

static void conn_check(struct ndr_syslog *s, uint64_t now)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (poll(&pfd, 1, 0) <= 0) {
		if (now - s->connect_started_ms >= s->connect_timeout_ms) {
			set_error(s, "connect: timed out after %u ms", s->connect_timeout_ms);
			conn_lost(s, now);
		}
		return;
	}
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr) {
		set_error(s, "connect: %s", strerror(soerr));
		conn_lost(s, now);
		return;
	}
	conn_up(s);
}

/*
 * A syslog receiver never sends: a readable socket means it closed the
 * connection (or reset it). Checking before writing turns "the first frame
 * after a receiver restart vanishes into a dead connection" into a
 * reconnect, in the common case where the close has already arrived.
 */
static int conn_peer_closed(struct ndr_syslog *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN | POLLRDHUP };
	char buf[256];
	ssize_t n;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL))
		return 1;
	n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Write spooled frames until the spool is empty or the socket is full. */
static void drain(struct ndr_syslog *s, uint64_t now)
{
	while (s->head) {
		struct spool_msg *m = s->head;
		ssize_t n = send(s->fd, m->data + m->off, m->len - m->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			m->off += (size_t)n;
			if (m->off == m->len) {
				spool_pop(s);
				s->st.sent++;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return;
		set_error(s, "send: %s", strerror(errno));
		if (!s->tcp && errno == EMSGSIZE) {
			/* this datagram can never go: drop it, keep the rest */
			spool_pop(s);
			s->st.dropped++;
			continue;
		}
		if (s->tcp) {
			conn_lost(s, now);
		} else {
			/* ICMP port unreachable (ECONNREFUSED) and the like:
			 * the receiver is down, retry after a backoff */
			s->next_attempt_ms = now + s->backoff_ms;
			s->backoff_ms = s->backoff_ms * 2 > s->backoff_max_ms ? s->backoff_max_ms
									      : s->backoff_ms * 2;
		}
		return;
	}
	if (!s->tcp)
		s->backoff_ms = s->backoff_min_ms;
}

static void service(struct ndr_syslog *s)
{
	uint64_t now = now_ms();

	if (!s->tcp) {
		if (s->head && now >= s->next_attempt_ms)
			drain(s, now);
		return;
	}
	if (s->state == CONN_DOWN && now >= s->next_attempt_ms)
		conn_start(s, now);
	if (s->state == CONN_CONNECTING)
		conn_check(s, now);
	if (s->state == CONN_UP) {
		if (conn_peer_closed(s)) {
			set_error(s, "receiver closed the connection");
			conn_lost(s, now);
			/* reconnect at once: a restarted receiver is usually back */
			s->next_attempt_ms = now;
			conn_start(s, now);
			if (s->state == CONN_CONNECTING)
				conn_check(s, now);
			if (s->state != CONN_UP)
				return;
		}
		drain(s, now);
	}
}

/* ---- public ------------------------------------------------------------- */

struct ndr_syslog *ndr_syslog_open(const struct ndr_syslog_opts *o, char *err, size_t errlen)
{
	struct ndr_syslog *s;
	char host[256];

	if (!o->url) {
		snprintf(err, errlen, "syslog: no URL given");
		return NULL;
	}
	if (o->facility < 0 || o->facility > 23) {
		snprintf(err, errlen, "%s: facility %d is not 0..23", o->url, o->facility);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->url = strdup(o->url))) {
		free(s);
		snprintf(err, errlen, "%s: out of memory", o->url);
		return NULL;
	}
	s->fd = -1;
	if (parse_url(s, o->url, err, errlen)) {
		free(s->url);
		free(s);
		return NULL;
	}
	s->facility = o->facility;
	s->spool_max = o->spool_bytes;
	s->backoff_min_ms = o->backoff_min_ms ? o->backoff_min_ms : 1;
	s->backoff_max_ms = o->backoff_max_ms > s->backoff_min_ms ? o->backoff_max_ms
								  : s->backoff_min_ms;
	s->backoff_ms = s->backoff_min_ms;
	s->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 1;
	s->close_flush_ms = o->close_flush_ms;
	if (o->hostname && *o->hostname) {
		header_field(s->hostname, sizeof(s->hostname), o->hostname);
	} else {
		if (gethostname(host, sizeof(host)) < 0)
			strcpy(host, "-");
		host[sizeof(host) - 1] = '\0';
		header_field(s->hostname, sizeof(s->hostname), host);
	}
	header_field(s->app_name, sizeof(s->app_name), o->app_name ? o->app_name : "ndr-sensor");
	snprintf(s->procid, sizeof(s->procid), "%ld", (long)getpid());

	if (s->tcp) {
		conn_start(s, now_ms());
		return s;
	}
	/* UDP: connect() only sets the default peer (and lets ICMP errors
	 * come back as ECONNREFUSED); it never blocks. */
	{
		const struct sockaddr *sa = (const struct sockaddr *)&s->addrs[0];
		s->fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0 || connect(s->fd, sa, s->addrlens[0]) < 0) {
			snprintf(err, errlen, "%s: udp socket: %s", o->url, strerror(errno));
			close_fd(s);
			free(s->url);
			free(s);
			return NULL;
		}
		s->state = CONN_UP;
	}
	return s;
}

static void format_time(uint64_t ts_ns, char *buf, size_t len)
{
	struct timespec ts;
	time_t sec;
	struct tm tm;

	if (ts_ns == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	sec = (time_t)(ts_ns / 1000000000u);
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%06uZ",
		 (unsigned)(ts_ns % 1000000000u / 1000u));
}

int ndr_syslog_send(struct ndr_syslog *s, int severity, const char *msgid,
		    uint64_t ts_ns, const char *msg)
{
	char head[512], frame_len[24], ts[40], id[33];
	size_t head_len, msg_len = strlen(msg);
	int n, rc;

	if (severity < 0 || severity > 7)
		severity = 5;
	format_time(ts_ns, ts, sizeof(ts));
	header_field(id, sizeof(id), msgid);
	n = snprintf(head, sizeof(head), "<%d>1 %s %s %s %s %s - ", s->facility * 8 + severity,
		     ts, s->hostname, s->app_name, s->procid, id);
	head_len = (size_t)n;   /* fields are bounded: 4+2+39+255+48+23+32+4 < 512 */

	service(s);
	if (s->tcp) {
		/* RFC 6587 octet counting: "LEN SP" then exactly LEN bytes */
		char *frame_head;
		int fl = snprintf(frame_len, sizeof(frame_len), "%zu ", head_len + msg_len);
		frame_head = malloc((size_t)fl + head_len);
		if (!frame_head) {
			s->st.dropped++;
			return -1;
		}
		memcpy(frame_head, frame_len, (size_t)fl);
		memcpy(frame_head + fl, head, head_len);
		rc = spool_push(s, frame_head, (size_t)fl + head_len, msg, msg_len);
		free(frame_head);
	} else {
		rc = spool_push(s, head, head_len, msg, msg_len);
	}
	service(s);
	return rc;
}

int ndr_syslog_send_alert(struct ndr_syslog *s, const struct ndr_alert *alert)
{
	json_t *event = ndr_eve_alert(alert);
	char *msg;
	int rc;

	if (!event) {
		s->st.dropped++;
		set_error(s, "cannot render alert: out of memory");
		return -1;
	}
	msg = json_dumps(event, NDR_EVE_DUMP_FLAGS | JSON_ENSURE_ASCII);
	json_decref(event);
	if (!msg) {
		s->st.dropped++;
		set_error(s, "cannot render alert: out of memory");
		return -1;
	}
	rc = ndr_syslog_send(s, ndr_syslog_severity(alert->severity), alert->category,
			     alert->ts_ns, msg);
	free(msg);
	return rc;
}

void ndr_syslog_poll(struct ndr_syslog *s)
{
	service(s);
}

void ndr_syslog_stats(const struct ndr_syslog *s, struct ndr_syslog_stats *out)
{
	*out = s->st;
}

const char *ndr_syslog_last_error(const struct ndr_syslog *s)
{
	return s->last_error;
}

const char *ndr_syslog_url(const struct ndr_syslog *s)
{
	return s->url;
}

void ndr_syslog_close(struct ndr_syslog *s, struct ndr_syslog_stats *final)
{
	uint64_t deadline;

	if (!s)
		return;
	deadline = now_ms() + s->close_flush_ms;
	service(s);
	while (s->head) {
		uint64_t now = now_ms();
		struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
		int wait;
		if (now >= deadline)
			break;
		wait = (int)(deadline - now < 20 ? deadline - now : 20);
		/* wait for the socket when there is one, else for the backoff */
		poll(&pfd, s->fd >= 0 && s->state != CONN_DOWN ? 1 : 0, wait);
		if (s->state == CONN_DOWN && s->next_attempt_ms > now)
			s->next_attempt_ms = now;  /* closing: no point in backing off */
		service(s);
	}
	while (s->head) {
		spool_pop(s);
		s->st.dropped++;
	}
	if (final)
		*final = s->st;
	close_fd(s);
	free(s->url);
	free(s);
}

static void syslog_sink_emit(void *arg, const struct ndr_alert *alert)
{
	/* a drop is counted in the sink's stats; the detector goes on */
	(void)ndr_syslog_send_alert(arg, alert);
}

struct ndr_alert_sink ndr_syslog_alert_sink(struct ndr_syslog *s)
{
	struct ndr_alert_sink sink = { syslog_sink_emit, s };

	return sink;
}
