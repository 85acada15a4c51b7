/*
 * ndr_syslog.h - alerts as syslog to a remote receiver, none lost on the way.
 *
 * One message per alert:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME ndr-sensor PROCID MSGID - MSG
 *
 * PRI = facility * 8 + severity (facility local0 unless configured);
 * TIMESTAMP is the alert's time in UTC with microseconds
 * ("2026-11-25T21:39:04.123456Z"); MSGID is the alert category
 * ("dns_tunnel"); no structured data; MSG is the alert's EVE JSON
 * (ndr_eve.h) in pure ASCII, or its CEF text (ndr_cef.h) with format
 * "cef". Alert severity maps to syslog severity as ndr_syslog_severity()
 * says: 1 (high) -> 2 critical, 2 (medium) -> 3 error, 3 (low) -> 4
 * warning, anything else -> 5 notice.
 *
 * Transports: udp://HOST:PORT sends one datagram per message;
 * tcp://HOST:PORT frames each message with RFC 6587 octet counting ("LEN SP
 * MSG"); tls://HOST:PORT is the same framing inside TLS (RFC 5425), the
 * server's certificate checked against a CA file and HOST (ndr_tls_client.h).
 * HOST is an IPv4 address, an IPv6 address in brackets ([::1]) or a name,
 * resolved (getaddrinfo) at every connection attempt, so a collector that
 * moves is found again; a name that does not resolve is a receiver that is
 * down, not an error at open.
 *
 * Nothing lost on the way: every message goes to the spool first and
 * leaves it only once it is sent. The spool is in memory (spool_bytes), or
 * on disk (spool_dir: ndr_spool.h, fsync'd, kept across restarts: what is
 * left at close is sent by the next sensor that opens the same receiver).
 * A full spool drops its oldest messages, counted. A receiver that is
 * down never blocks the caller: sockets are non-blocking, connections are
 * made in the background and retried with exponential backoff and jitter
 * (backoff_min doubling to backoff_max, each wait drawn from its upper
 * half).
 *
 * UDP: the socket is connected, so an ICMP port unreachable comes back as
 * an error. A datagram counts as sent only when udp_confirm_ms have passed
 * after it without such an error; on one, every datagram not yet confirmed
 * goes back into the spool (the receiver may see one twice, never lose
 * it) and is sent again after the backoff. A host that drops datagrams
 * silently cannot be noticed (UDP has no acknowledgement).
 *
 * TCP and TLS: "sent" means written to the connection; a frame cut by a
 * broken connection is sent again whole on the next. The sink checks for a
 * connection the receiver closed before it writes.
 *
 * Every message accepted by ndr_syslog_send*() is accounted for in exactly
 * one of sent, queued, dropped or (at close, disk spool) kept.
 *
 * Not thread-safe: one sink per thread, or a lock around it.
 */
#ifndef NDR_SYSLOG_H
#define NDR_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_alert.h"
#include "ndr_config.h"
#include "ndr_tls_client.h"

#define NDR_SYSLOG_FACILITY_LOCAL0 16

enum ndr_syslog_format {
	NDR_SYSLOG_RFC5424 = 0,     /* MSG is the alert's EVE JSON */
	NDR_SYSLOG_CEF,             /* MSG is the alert's CEF text */
};

struct ndr_syslog_opts {
	const char *url;            /* udp://, tcp:// or tls://HOST:PORT */
	int facility;               /* 0..23, default local0 (16) */
	enum ndr_syslog_format format;
	size_t spool_bytes;         /* spool bound, default 4 MiB */
	const char *spool_dir;      /* NULL: in memory; else a directory per receiver in it */
	struct ndr_tls_opts tls;    /* tls:// (ca_file, cert_file, key_file) */
	unsigned udp_confirm_ms;    /* a datagram with no ICMP error this long is sent, default 200 */
	const char *hostname;       /* NULL: gethostname() */
	const char *app_name;       /* NULL: "ndr-sensor" */
	unsigned backoff_min_ms;    /* first reconnect delay, default 250 */
	unsigned backoff_max_ms;    /* doubling up to this, default 30000 */
	unsigned connect_timeout_ms;/* a TCP connect pending this long fails, default 5000 */
	unsigned close_flush_ms;    /* ndr_syslog_close() flush budget, default 2000 */
};

struct ndr_syslog_stats {
	uint64_t sent;        /* messages written to the socket (UDP: and not refused) */
	uint64_t queued;      /* messages in the spool now */
	uint64_t dropped;     /* messages lost: spool full, too big, left at close (memory spool) */
	uint64_t kept;        /* left in the disk spool at close, for the next start */
	uint64_t recovered;   /* found in the disk spool at open, from a run before */
	uint64_t refused;     /* UDP datagrams refused (ICMP) and spooled again */
	uint64_t reconnects;  /* connection attempts after the first */
	uint64_t spool_bytes; /* bytes in the spool now */
};

struct ndr_syslog;

void ndr_syslog_opts_default(struct ndr_syslog_opts *o);

/*
 * Read the [syslog] section into o (which holds the defaults): facility,
 * format, spool_bytes, spool_dir, hostname, backoff_min, backoff_max,
 * connect_timeout, close_flush, udp_confirm, tls_ca, tls_cert, tls_key. The
 * url comes from the command line and is left alone. 0, or -1 with
 * "FILE:LINE: ..." in err.
 */
int ndr_syslog_config(struct ndr_config *cfg, struct ndr_syslog_opts *o,
		      char *err, size_t errlen);

/* "local0".."local7", "user", "daemon", "auth", ... or a number 0..23;
 * -1 if none of these. */
int ndr_syslog_facility_parse(const char *name);

/* "rfc5424" or "cef"; -1 if neither. */
int ndr_syslog_format_parse(const char *name);

/* Alert severity (1 high .. 3 low) -> syslog severity, see above. */
int ndr_syslog_severity(int alert_severity);

/* A syslog URL taken apart, nothing resolved yet. */
struct ndr_syslog_url {
	int tcp;                    /* tcp:// or tls:// (else udp://) */
	int tls;                    /* tls:// */
	int ipv6_literal;           /* the host was in brackets: [::1] */
	char host[256];             /* without the brackets; no '/' */
	char port[8];               /* decimal 1..65535; "514" when absent, tls "6514" */
};

/* udp://, tcp:// or tls://HOST[:PORT] into *out: 0, or -1 with
 * "URL: bad syslog URL: why" in err. Resolves nothing (the sink resolves
 * at every connection attempt). */
int ndr_syslog_url_parse(const char *url, struct ndr_syslog_url *out, char *err, size_t errlen);

/*
 * Parse the URL and start connecting. A receiver that is down, or whose
 * name does not resolve now, is not an error here. NULL with "URL: why" in
 * err for a bad URL, a TLS setup error (CA file, client key) or a spool
 * that cannot be opened.
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
