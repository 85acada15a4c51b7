/*
 * ndr_syslog.h - alerts as RFC 5424 syslog to a remote receiver.
 *
 * One line per alert:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME ndr-sensor PROCID MSGID - MSG
 *
 * PRI = facility * 8 + severity (facility local0 unless configured);
 * TIMESTAMP is the alert's time in UTC with microseconds
 * ("2026-11-25T21:39:04.123456Z"); MSGID is the alert category
 * ("dns_tunnel"); no structured data; MSG is the alert's EVE JSON
 * (ndr_eve.h) in pure ASCII. Alert severity maps to syslog severity as
 * ndr_syslog_severity() says: 1 (high) -> 2 critical, 2 (medium) -> 3 error,
 * 3 (low) -> 4 warning, anything else -> 5 notice.
 *
 * Transports: udp://HOST:PORT sends one datagram per message; tcp://HOST:PORT
 * frames each message with RFC 6587 octet counting ("LEN SP MSG"). HOST is an
 * IPv4 address, an IPv6 address in brackets ([::1]) or a name (resolved once,
 * at open, with getaddrinfo; TCP tries each address in turn).
 *
 * A receiver that is down never blocks the caller: sockets are non-blocking,
 * TCP connects in the background, and a message that cannot be sent now goes
 * to a bounded in-memory spool, sent in order once the receiver is back.
 * Reconnection happens on the next send or ndr_syslog_poll(), with
 * exponential backoff. A message that does not fit in the spool is dropped
 * and counted. Every message accepted by ndr_syslog_send*() is accounted for
 * in exactly one of sent, queued or dropped.
 *
 * Over UDP, "sent" means handed to the kernel: a datagram to a host that is
 * down is lost, as UDP syslog always is; an ICMP port-unreachable makes the
 * sink spool and back off as for TCP. Over TCP, "sent" means written to
 * the socket; the sink checks for a connection the receiver closed before it
 * writes, so a restarted receiver loses nothing in the common case.
 *
 * Not thread-safe: one sink per thread, or a lock around it.
 */
#ifndef NDR_SYSLOG_H
#define NDR_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_alert.h"
#include "ndr_config.h"

#define NDR_SYSLOG_FACILITY_LOCAL0 16

struct ndr_syslog_opts {
	const char *url;            /* udp://HOST:PORT or tcp://HOST:PORT */
	int facility;               /* 0..23, default local0 (16) */
	size_t spool_bytes;         /* spool bound, default 4 MiB */
	const char *hostname;       /* NULL: gethostname() */
	const char *app_name;       /* NULL: "ndr-sensor" */
	unsigned backoff_min_ms;    /* first reconnect delay, default 250 */
	unsigned backoff_max_ms;    /* doubling up to this, default 30000 */
	unsigned connect_timeout_ms;/* a TCP connect pending this long fails, default 5000 */
	unsigned close_flush_ms;    /* ndr_syslog_close() flush budget, default 2000 */
};

struct ndr_syslog_stats {
	uint64_t sent;        /* messages written to the socket */
	uint64_t queued;      /* messages in the spool now */
	uint64_t dropped;     /* messages lost: spool full, too big, or left at close */
	uint64_t reconnects;  /* connection attempts after the first */
	uint64_t spool_bytes; /* bytes in the spool now */
};

struct ndr_syslog;

void ndr_syslog_opts_default(struct ndr_syslog_opts *o);

/*
 * Read the [syslog] section into o (which holds the defaults): facility,
 * spool_bytes, hostname, backoff_min, backoff_max, connect_timeout,
 * close_flush. The url comes from the command line and is left alone.
 * 0, or -1 with "FILE:LINE: ..." in err.
 */
int ndr_syslog_config(struct ndr_config *cfg, struct ndr_syslog_opts *o,
		      char *err, size_t errlen);

/* "local0".."local7", "user", "daemon", "auth", ... or a number 0..23;
 * -1 if none of these. */
int ndr_syslog_facility_parse(const char *name);

/* Alert severity (1 high .. 3 low) -> syslog severity, see above. */
int ndr_syslog_severity(int alert_severity);

/* A syslog URL taken apart, nothing resolved yet. */
struct ndr_syslog_url {
	int tcp;                    /* tcp:// (else udp://) */
	int ipv6_literal;           /* the host was in brackets: [::1] */
	char host[256];             /* without the brackets; no '/' */
	char port[8];               /* decimal 1..65535, "514" when absent */
};

/* udp://HOST[:PORT] or tcp://HOST[:PORT] into *out: 0, or -1 with
 * "URL: bad syslog URL: why" in err. Resolves nothing (ndr_syslog_open does). */
int ndr_syslog_url_parse(const char *url, struct ndr_syslog_url *out, char *err, size_t errlen);

/*
 * Parse the URL, resolve the host and create the socket (TCP starts
 * connecting). A receiver that is down is not an error here. NULL with
 * "URL: why" in err for a bad URL, an unknown host or a socket error.
 */
struct ndr_syslog *ndr_syslog_open(const struct ndr_syslog_opts *o, char *err, size_t errlen);

/* Render the alert and send or spool it. 0 if sent or queued, -1 if dropped. */
int ndr_syslog_send_alert(struct ndr_syslog *s, const struct ndr_alert *alert);

/* Send one message with the given syslog severity (0..7), MSGID (NULL or ""
 * for none, printed "-") and time (0: now). Same result as above. */
int ndr_syslog_send(struct ndr_syslog *s, int severity, const char *msgid,
		    uint64_t ts_ns, const char *msg);

/* Reconnect if due, and send what the spool holds as far as the socket
 * takes it, without blocking. Call it periodically (e.g. once per batch). */
void ndr_syslog_poll(struct ndr_syslog *s);

void ndr_syslog_stats(const struct ndr_syslog *s, struct ndr_syslog_stats *out);

/* The last transport error ("tcp://h:p: connect: Connection refused"), or
 * "" if none since open. */
const char *ndr_syslog_last_error(const struct ndr_syslog *s);

/* The URL the sink was opened with. */
const char *ndr_syslog_url(const struct ndr_syslog *s);

/* Try to send the spool for at most close_flush_ms, count what is left as
 * dropped, store the final counters in *final (if not NULL), free s. */
void ndr_syslog_close(struct ndr_syslog *s, struct ndr_syslog_stats *final);

/* An alert sink (ndr_alert.h) that sends to s. */
struct ndr_alert_sink ndr_syslog_alert_sink(struct ndr_syslog *s);

#endif
