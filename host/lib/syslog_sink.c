/*
 * syslog_sink.c - syslog over UDP, TCP or TLS, spooled so nothing is lost
 * (ndr_syslog.h).
 *
 * Every message goes into the spool (memory, or a disk spool: ndr_spool.h)
 * as its syslog line, and leaves it only once sent; sending frames it for
 * the transport. send() queues and then services the connection as far as
 * it goes without waiting, so the fast path (receiver up) writes at once
 * and the slow path keeps the order without a second code path. The socket
 * is never waited on, except in close() for a bounded time.
 *
 * Stream transports: the frame being written is remembered by its offset;
 * a frame cut by a broken connection is written again from its start on
 * the next one (the receiver discards the torn frame with the broken
 * connection), so "sent" counts only whole frames.
 *
 * UDP: datagrams leave the spool only once confirmed (udp_confirm_ms
 * without an ICMP error on the connected socket); inflight counts those
 * written and not yet confirmed, the oldest ones in the spool.
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
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ndr_cef.h"
#include "ndr_eve.h"
#include "ndr_spool.h"
#include "ndr_syslog.h"
#include "ndr_tls_client.h"

#ifndef NDR_VERSION
#define NDR_VERSION "unknown"
#endif

#define SYSLOG_MAX_ADDRS 8
#define UDP_MAX_PAYLOAD 65507u   /* IPv4: 65535 - 20 (IP) - 8 (UDP) */
#define UDP_MAX_INFLIGHT 4096u   /* datagrams awaiting confirmation */
#define BACKOFF_RESET_MS 2000u   /* a connection up this long resets the backoff */
/* TLS 1.3: the client's handshake ends before the server has checked the
 * client's certificate; a server that refuses it closes right after. So
 * much time to hear that before anything is written (and counted sent). */
#define TLS_SETTLE_MS 200u

enum transport { T_UDP, T_TCP, T_TLS };
enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_HANDSHAKE, CONN_SETTLING, CONN_UP };

struct mem_msg {
	struct mem_msg *next;
	size_t len;
	char data[];
};

struct ndr_syslog {
	char *url;
	enum transport transport;
	char host[256], port[8];
	int numeric_host;
	struct sockaddr_storage addrs[SYSLOG_MAX_ADDRS];
	socklen_t addrlens[SYSLOG_MAX_ADDRS];
	int naddrs, addr_idx;

	int fd;
	enum conn_state state;
	int attempted;            /* a connection was tried before */
	uint64_t connect_started_ms, up_since_ms, settle_until_ms;
	uint64_t next_attempt_ms; /* not before this: backoff */
	unsigned backoff_ms;
	struct ndr_tls_ctx *tls_ctx;
	struct ndr_tls_conn *tls;

	/* the spool: a disk spool, or a list in memory */
	struct ndr_spool *disk;
	struct mem_msg *head, *tail;
	size_t count;
	uint64_t bytes;
	size_t spool_max;
	/* the head message's frame being written (stream), and its offset */
	char *frame;
	size_t frame_len, frame_off;
	/* UDP: the oldest inflight messages were written at these times */
	size_t inflight;
	uint64_t *sent_at;
	unsigned udp_confirm_ms;

	struct ndr_syslog_stats st;
	enum ndr_syslog_format format;
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
	o->udp_confirm_ms = 200;
}

int ndr_syslog_format_parse(const char *name)
{
	if (!strcmp(name, "rfc5424"))
		return NDR_SYSLOG_RFC5424;
	if (!strcmp(name, "cef"))
		return NDR_SYSLOG_CEF;
	return -1;
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
	const char *facility, *hostname, *format;
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
	if (ndr_config_str(cfg, "syslog", "format", NULL, &format, err, errlen))
		return -1;
	if (format) {
		int f = ndr_syslog_format_parse(format);
		if (f < 0)
			return ndr_config_errorf(cfg, "syslog", "format", format, err, errlen,
						 "'%s' is not a format (rfc5424, cef)", format);
		o->format = (enum ndr_syslog_format)f;
	}
	if (ndr_config_str(cfg, "syslog", "spool_dir", o->spool_dir, &o->spool_dir, err, errlen) ||
	    ndr_config_str(cfg, "syslog", "tls_ca", o->tls.ca_file, &o->tls.ca_file, err, errlen) ||
	    ndr_config_str(cfg, "syslog", "tls_cert", o->tls.cert_file, &o->tls.cert_file, err,
			   errlen) ||
	    ndr_config_str(cfg, "syslog", "tls_key", o->tls.key_file, &o->tls.key_file, err, errlen))
		return -1;
	if (ndr_config_duration_ms(cfg, "syslog", "udp_confirm", o->udp_confirm_ms, 1, 60000, &v,
				   err, errlen))
		return -1;
	o->udp_confirm_ms = (unsigned)v;
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

/* ---- URL ---------------------------------------------------------------- */

int ndr_syslog_url_parse(const char *url, struct ndr_syslog_url *out, char *err, size_t errlen)
{
	const char *rest, *colon;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!strncmp(url, "udp://", 6)) {
		out->tcp = 0;
	} else if (!strncmp(url, "tcp://", 6)) {
		out->tcp = 1;
	} else if (!strncmp(url, "tls://", 6)) {
		out->tcp = 1;
		out->tls = 1;
	} else {
		snprintf(err, errlen, "%s: bad syslog URL: expected udp://HOST:PORT, tcp://HOST:PORT "
			 "or tls://HOST:PORT", url);
		return -1;
	}
	snprintf(out->port, sizeof(out->port), "%s", out->tls ? "6514" : "514");
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

/* Syntax only: a name is resolved at each connection attempt. A bracketed
 * IPv6 address must parse now (a typo there is an error, not an outage). */
static int parse_url(struct ndr_syslog *s, const char *url, char *err, size_t errlen)
{
	struct ndr_syslog_url u;
	unsigned char a6[16];

	if (ndr_syslog_url_parse(url, &u, err, errlen))
		return -1;
	if (u.ipv6_literal && inet_pton(AF_INET6, u.host, a6) != 1) {
		snprintf(err, errlen, "%s: cannot resolve '%s': not an IPv6 address", url, u.host);
		return -1;
	}
	s->transport = u.tls ? T_TLS : u.tcp ? T_TCP : T_UDP;
	s->numeric_host = u.ipv6_literal;
	snprintf(s->host, sizeof(s->host), "%s", u.host);
	snprintf(s->port, sizeof(s->port), "%s", u.port);
	return 0;
}

/* The receiver's addresses now: 0, or -1 with the reason in last_error. */
static int resolve(struct ndr_syslog *s)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = s->transport == T_UDP ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (s->numeric_host ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(s->host, s->port, &hints, &res);
	if (rc) {
		set_error(s, "cannot resolve '%s': %s", s->host, gai_strerror(rc));
		return -1;
	}
	s->naddrs = 0;
	for (ai = res; ai && s->naddrs < SYSLOG_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(s->addrs[0]))
			continue;
		memcpy(&s->addrs[s->naddrs], ai->ai_addr, ai->ai_addrlen);
		s->addrlens[s->naddrs++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (s->naddrs == 0) {
		set_error(s, "'%s' has no usable address", s->host);
		return -1;
	}
	if (s->addr_idx >= s->naddrs)
		s->addr_idx = 0;
	return 0;
}

/* ---- the spool ---------------------------------------------------------- */

static void close_conn(struct ndr_syslog *s);
static void frame_done(struct ndr_syslog *s);

/* Count a message dropped for a reason that is not the receiver's. */
static int dropped(struct ndr_syslog *s)
{
	s->st.dropped++;
	return -1;
}

static void stats_refresh(struct ndr_syslog *s)
{
	if (s->disk) {
		struct ndr_spool_stats st;

		ndr_spool_stats(s->disk, &st);
		s->st.queued = st.messages;
		s->st.spool_bytes = st.bytes;
	} else {
		s->st.queued = s->count;
		s->st.spool_bytes = s->bytes;
	}
}

static size_t q_count(const struct ndr_syslog *s)
{
	return s->disk ? ndr_spool_count(s->disk) : s->count;
}

static int q_push(struct ndr_syslog *s, const char *line, size_t len)
{
	struct mem_msg *m;

	if (s->transport == T_UDP && len > UDP_MAX_PAYLOAD) {
		set_error(s, "a message of %zu bytes does not fit in a datagram", len);
		return dropped(s);
	}
	if (s->disk) {
		char err[256];
		struct ndr_spool_stats before, after;

		ndr_spool_stats(s->disk, &before);
		if (ndr_spool_push(s->disk, line, len, err, sizeof(err))) {
			set_error(s, "spool: %s", err);
			return dropped(s);
		}
		ndr_spool_stats(s->disk, &after);
		if (after.dropped > before.dropped) {
			/* the oldest went, for room: what was being sent of them
			 * is no longer in the spool */
			s->st.dropped += after.dropped - before.dropped;
			s->inflight = 0;
			if (s->frame_off > 0) {
				close_conn(s);      /* a torn frame dies with its connection */
				s->state = CONN_DOWN;
			}
			frame_done(s);
		}
		return 0;
	}
	if (len > s->spool_max - s->bytes) {
		set_error(s, "spool full (%zu bytes): message dropped", s->spool_max);
		return dropped(s);
	}
	m = malloc(sizeof(*m) + len);
	if (!m)
		return dropped(s);
	m->next = NULL;
	m->len = len;
	memcpy(m->data, line, len);
	if (s->tail)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->count++;
	s->bytes += len;
	return 0;
}

/* The i-th oldest message: 1, or 0 when there is none (or a read error). */
static int q_peek(struct ndr_syslog *s, size_t i, const char **line, size_t *len)
{
	struct mem_msg *m = s->head;

	if (s->disk) {
		char err[256];
		const void *p;
		int rc = ndr_spool_peek(s->disk, i, &p, len, err, sizeof(err));

		if (rc < 0)
			set_error(s, "spool: %s", err);
		*line = p;
		return rc > 0;
	}
	while (m && i--)
		m = m->next;
	if (!m)
		return 0;
	*line = m->data;
	*len = m->len;
	return 1;
}

static void q_pop(struct ndr_syslog *s, size_t n)
{
	if (s->disk) {
		char err[256];

		if (ndr_spool_pop(s->disk, n, err, sizeof(err)))
			set_error(s, "spool: %s", err);
		return;
	}
	while (n-- && s->head) {
		struct mem_msg *m = s->head;

		s->head = m->next;
		if (!s->head)
			s->tail = NULL;
		s->count--;
		s->bytes -= m->len;
		free(m);
	}
}

/* ---- the connection ----------------------------------------------------- */

static void close_conn(struct ndr_syslog *s)
{
	ndr_tls_close(s->tls);
	s->tls = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->frame_off = 0;     /* a cut frame goes again whole */
}

/* The next wait: exponential, drawn from its upper half (jitter), so
 * sensors that lost the same collector do not all come back at once. */
static void back_off(struct ndr_syslog *s, uint64_t now)
{
	unsigned r = 0;
	unsigned half = s->backoff_ms / 2;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned)now * 2654435761u;
	s->next_attempt_ms = now + half + (half ? r % (half + 1) : 0);
	s->backoff_ms = s->backoff_ms * 2 > s->backoff_max_ms ? s->backoff_max_ms
							      : s->backoff_ms * 2;
}

/* The connection failed or broke: try the next address after a backoff. */
static void conn_lost(struct ndr_syslog *s, uint64_t now)
{
	close_conn(s);
	s->state = CONN_DOWN;
	back_off(s, now);
	if (s->naddrs)
		s->addr_idx = (s->addr_idx + 1) % s->naddrs;
}

static void conn_up(struct ndr_syslog *s, uint64_t now)
{
	s->state = CONN_UP;
	s->up_since_ms = now;
}

static void start_tls(struct ndr_syslog *s, uint64_t now)
{
	char err[256];

	s->tls = ndr_tls_start(s->tls_ctx, s->fd, s->host, err, sizeof(err));
	if (!s->tls) {
		set_error(s, "%s", err);
		conn_lost(s, now);
		return;
	}
	s->state = CONN_HANDSHAKE;
}

static void connected(struct ndr_syslog *s, uint64_t now)
{
	if (s->transport == T_TLS)
		start_tls(s, now);
	else
		conn_up(s, now);
}

static void conn_start(struct ndr_syslog *s, uint64_t now)
{
	const struct sockaddr *sa;
	int type = s->transport == T_UDP ? SOCK_DGRAM : SOCK_STREAM;

	if (s->attempted)
		s->st.reconnects++;
	s->attempted = 1;
	/* the name again at every attempt: a collector that moved is found */
	if (resolve(s)) {
		conn_lost(s, now);
		return;
	}
	sa = (const struct sockaddr *)&s->addrs[s->addr_idx];
	s->fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		set_error(s, "socket: %s", strerror(errno));
		conn_lost(s, now);
		return;
	}
	/* UDP: connect() only sets the peer, and lets ICMP errors come back */
	if (connect(s->fd, sa, s->addrlens[s->addr_idx]) == 0) {
		connected(s, now);
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
	connected(s, now);
}

static void handshake(struct ndr_syslog *s, uint64_t now)
{
	char err[256];
	int want_write = 0;
	int rc = ndr_tls_handshake(s->tls, &want_write, err, sizeof(err));

	if (rc == 1) {
		s->state = CONN_SETTLING;
		s->settle_until_ms = now + TLS_SETTLE_MS;
	} else if (rc < 0) {
		set_error(s, "%s", err);
		conn_lost(s, now);
	} else if (now - s->connect_started_ms >= s->connect_timeout_ms) {
		set_error(s, "tls handshake: timed out after %u ms", s->connect_timeout_ms);
		conn_lost(s, now);
	}
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
	if (s->tls)
		return ndr_tls_peer_closed(s->tls);
	n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* The head message framed for a stream: "LEN SP LINE" (RFC 6587 / 5425). */
static int frame_head(struct ndr_syslog *s)
{
	const char *line;
	size_t len;
	char prefix[24];
	int n;

	if (s->frame)
		return 1;
	if (!q_peek(s, 0, &line, &len))
		return 0;
	n = snprintf(prefix, sizeof(prefix), "%zu ", len);
	s->frame = malloc((size_t)n + len);
	if (!s->frame)
		return 0;
	memcpy(s->frame, prefix, (size_t)n);
	memcpy(s->frame + n, line, len);
	s->frame_len = (size_t)n + len;
	s->frame_off = 0;
	return 1;
}

static void frame_done(struct ndr_syslog *s)
{
	free(s->frame);
	s->frame = NULL;
	s->frame_off = 0;
}

/* Stream: write frames until the spool is empty or the socket is full. */
static void drain_stream(struct ndr_syslog *s, uint64_t now)
{
	while (frame_head(s)) {
		const char *p = s->frame + s->frame_off;
		size_t left = s->frame_len - s->frame_off;
		char err[256];
		long n;

		if (s->tls) {
			n = ndr_tls_write(s->tls, p, left, err, sizeof(err));
			if (n == 0)
				return;
			if (n < 0) {
				set_error(s, "%s", err);
				conn_lost(s, now);
				return;
			}
		} else {
			n = send(s->fd, p, left, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
					return;
				set_error(s, "send: %s", strerror(errno));
				conn_lost(s, now);
				return;
			}
		}
		s->frame_off += (size_t)n;
		if (s->frame_off == s->frame_len) {
			frame_done(s);
			q_pop(s, 1);
			s->st.sent++;
		}
	}
}

/* UDP: the receiver refused (ICMP port unreachable): nothing inflight
 * counts as sent; all of it goes again after the backoff. */
static void udp_refused(struct ndr_syslog *s, int e, uint64_t now)
{
	set_error(s, "send: %s", strerror(e));
	s->st.refused += s->inflight;
	s->inflight = 0;
	back_off(s, now);
}

/* UDP: confirm what was written udp_confirm_ms ago with no error since. */
static void udp_confirm(struct ndr_syslog *s, uint64_t now)
{
	size_t n = 0;
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (!s->inflight)
		return;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr) {
		udp_refused(s, soerr, now);
		return;
	}
	while (n < s->inflight && now - s->sent_at[n] >= s->udp_confirm_ms)
		n++;
	if (!n)
		return;
	q_pop(s, n);
	s->st.sent += n;
	memmove(s->sent_at, s->sent_at + n, (s->inflight - n) * sizeof(*s->sent_at));
	s->inflight -= n;
	if (now - s->up_since_ms >= BACKOFF_RESET_MS)
		s->backoff_ms = s->backoff_min_ms;
}

/* UDP: write what is not inflight yet, as far as the socket takes it. */
static void drain_udp(struct ndr_syslog *s, uint64_t now)
{
	const char *line;
	size_t len;

	udp_confirm(s, now);
	if (now < s->next_attempt_ms)
		return;
	while (s->inflight < UDP_MAX_INFLIGHT && q_peek(s, s->inflight, &line, &len)) {
		ssize_t n = send(s->fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n >= 0) {
			s->sent_at[s->inflight++] = now;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return;
		if (errno == EMSGSIZE && s->inflight == 0) {
			/* this datagram can never go: drop it, keep the rest */
			set_error(s, "send: %s", strerror(errno));
			q_pop(s, 1);
			s->st.dropped++;
			continue;
		}
		udp_refused(s, errno, now);
		return;
	}
}

/* TLS: the server's verdict on the handshake, before the first write. */
static void settle(struct ndr_syslog *s, uint64_t now)
{
	if (ndr_tls_peer_closed(s->tls)) {
		set_error(s, "receiver closed the connection after the TLS handshake "
			  "(did it refuse the client certificate?)");
		conn_lost(s, now);
	} else if (now >= s->settle_until_ms) {
		conn_up(s, now);
	}
}

static void service(struct ndr_syslog *s)
{
	uint64_t now = now_ms();

	if (s->state == CONN_DOWN && now >= s->next_attempt_ms)
		conn_start(s, now);
	if (s->state == CONN_CONNECTING)
		conn_check(s, now);
	if (s->state == CONN_HANDSHAKE)
		handshake(s, now);
	if (s->state == CONN_SETTLING)
		settle(s, now);
	if (s->state != CONN_UP)
		goto out;
	if (s->transport == T_UDP) {
		drain_udp(s, now);
		goto out;
	}
	if (now - s->up_since_ms >= BACKOFF_RESET_MS)
		s->backoff_ms = s->backoff_min_ms;
	if (q_count(s) && conn_peer_closed(s)) {
		set_error(s, "receiver closed the connection");
		conn_lost(s, now);
		/* reconnect at once: a restarted receiver is usually back; if not,
		 * the backoff set by conn_lost stands */
		if (now - s->up_since_ms >= BACKOFF_RESET_MS) {
			conn_start(s, now);
			if (s->state == CONN_CONNECTING)
				conn_check(s, now);
			if (s->state == CONN_HANDSHAKE)
				handshake(s, now);
		}
		if (s->state != CONN_UP)
			goto out;
	}
	drain_stream(s, now);
out:
	stats_refresh(s);
}

/* ---- public ------------------------------------------------------------- */

/* A receiver's spool directory: its URL with anything but letters, digits,
 * '.' and '-' as '_', under spool_dir. */
static int open_disk_spool(struct ndr_syslog *s, const struct ndr_syslog_opts *o, char *err,
			   size_t errlen)
{
	struct ndr_spool_opts so;
	char dir[4096], name[300];
	size_t i;

	for (i = 0; s->url[i] && i + 1 < sizeof(name); i++) {
		char c = s->url[i];
		name[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   c == '.' || c == '-') ? c : '_';
	}
	name[i] = '\0';
	if (mkdir(o->spool_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: spool_dir %s: %s", s->url, o->spool_dir, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/%s", o->spool_dir, name);
	ndr_spool_opts_default(&so);
	so.dir = dir;
	so.max_bytes = o->spool_bytes < 65536 ? 65536 : o->spool_bytes;
	s->disk = ndr_spool_open(&so, err, errlen);
	if (!s->disk)
		return -1;
	{
		struct ndr_spool_stats st;

		ndr_spool_stats(s->disk, &st);
		s->st.recovered = st.recovered;
	}
	return 0;
}

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
	if (!s || !(s->url = strdup(o->url)) ||
	    !(s->sent_at = calloc(UDP_MAX_INFLIGHT, sizeof(*s->sent_at)))) {
		if (s)
			free(s->url);
		free(s);
		snprintf(err, errlen, "%s: out of memory", o->url);
		return NULL;
	}
	s->fd = -1;
	if (parse_url(s, o->url, err, errlen))
		goto fail;
	if (s->transport == T_TLS) {
		char terr[256];

		s->tls_ctx = ndr_tls_ctx_new(&o->tls, terr, sizeof(terr));
		if (!s->tls_ctx) {
			snprintf(err, errlen, "%s: %s", o->url, terr);
			goto fail;
		}
	}
	if (o->spool_dir && o->spool_dir[0] && open_disk_spool(s, o, err, errlen))
		goto fail;
	s->format = o->format;
	s->facility = o->facility;
	s->spool_max = o->spool_bytes;
	s->udp_confirm_ms = o->udp_confirm_ms;
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
	/* a receiver that is down (or a name that does not resolve yet) is
	 * not an error: the spool keeps what comes until it is back */
	service(s);
	return s;
fail:
	ndr_spool_close(s->disk);
	ndr_tls_ctx_free(s->tls_ctx);
	free(s->sent_at);
	free(s->url);
	free(s);
	return NULL;
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
	char head[512], ts[40], id[33];
	size_t head_len, msg_len = strlen(msg);
	char *line;
	int n, rc;

	if (severity < 0 || severity > 7)
		severity = 5;
	format_time(ts_ns, ts, sizeof(ts));
	header_field(id, sizeof(id), msgid);
	n = snprintf(head, sizeof(head), "<%d>1 %s %s %s %s %s - ", s->facility * 8 + severity,
		     ts, s->hostname, s->app_name, s->procid, id);
	head_len = (size_t)n;   /* fields are bounded: 4+2+39+255+48+23+32+4 < 512 */
	line = malloc(head_len + msg_len);
	if (!line)
		return dropped(s);
	memcpy(line, head, head_len);
	memcpy(line + head_len, msg, msg_len);
	service(s);
	rc = q_push(s, line, head_len + msg_len);
	free(line);
	service(s);
	return rc;
}

int ndr_syslog_send_alert(struct ndr_syslog *s, const struct ndr_alert *alert)
{
	char *msg;
	int rc;

	if (s->format == NDR_SYSLOG_CEF) {
		msg = ndr_cef_alert(alert, NDR_VERSION);
	} else {
		json_t *event = ndr_eve_alert(alert);

		msg = event ? json_dumps(event, NDR_EVE_DUMP_FLAGS | JSON_ENSURE_ASCII) : NULL;
		json_decref(event);
	}
	if (!msg) {
		set_error(s, "cannot render alert: out of memory");
		return dropped(s);
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
	while (q_count(s)) {
		uint64_t now = now_ms();
		struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
		int wait;
		if (now >= deadline)
			break;
		wait = (int)(deadline - now < 20 ? deadline - now : 20);
		/* wait for the socket when there is one, else for the backoff */
		poll(&pfd, s->fd >= 0 && s->state != CONN_DOWN && s->transport != T_UDP ? 1 : 0,
		     wait);
		if (s->state == CONN_DOWN && s->next_attempt_ms > now)
			s->next_attempt_ms = now;  /* closing: no point in backing off */
		if (s->transport == T_UDP && s->next_attempt_ms > now)
			s->next_attempt_ms = now;
		service(s);
	}
	stats_refresh(s);
	if (s->disk) {
		/* the next sensor on this receiver sends it */
		s->st.kept = ndr_spool_count(s->disk);
		ndr_spool_close(s->disk);
	} else {
		s->st.dropped += s->count;
		q_pop(s, s->count);
	}
	s->st.queued = 0;
	s->st.spool_bytes = 0;
	if (final)
		*final = s->st;
	close_conn(s);
	frame_done(s);
	ndr_tls_ctx_free(s->tls_ctx);
	free(s->sent_at);
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
