/*
 * ndr_tls_sessions.h - a ClientHello record joined with its ServerHello
 * record (ABI 3), so a TLS event can say the version the server chose
 * (its supported_versions, or its legacy version) rather than what the
 * client offered.
 *
 * The card walks every hello on its own, without flow state; the host
 * pairs them by the connection's endpoints (the ServerHello's are the
 * ClientHello's reversed, same outer VLAN). A ClientHello waits for its
 * ServerHello at most wait_ns of record time, or until capacity newer ones
 * wait, then goes out alone; a second ClientHello of the same connection
 * (a retransmission) sends the first out alone; a ServerHello nobody
 * waits for goes out alone. Every record goes out exactly once, in the
 * order its pair completed, and ndr_tls_sessions_flush sends what waits.
 */
#ifndef NDR_TLS_SESSIONS_H
#define NDR_TLS_SESSIONS_H

#include <stdint.h>

#include "ndr_abi.h"

/* client or server may be NULL, never both. */
typedef void (*ndr_tls_pair_fn)(void *arg, const struct ndr_tls_rec *client,
				const struct ndr_tls_rec *server);

struct ndr_tls_sessions_stats {
	uint64_t paired;        /* ClientHello with its ServerHello */
	uint64_t client_alone;  /* waited out, pushed out, or retransmitted */
	uint64_t server_alone;  /* no ClientHello waited for it */
	uint64_t waiting;       /* now */
};

struct ndr_tls_sessions;

/* What ndr-sensor's outputs use: a ClientHello waits 2 s of record time
 * for its ServerHello, 4096 at most wait. */
#define NDR_TLS_PAIR_WAIT_NS  (2ull * 1000000000ull)
#define NDR_TLS_PAIR_CAPACITY 4096u

/* NULL when out of memory. capacity > 0. */
struct ndr_tls_sessions *ndr_tls_sessions_new(unsigned capacity, uint64_t wait_ns,
					      ndr_tls_pair_fn fn, void *arg);
/* A TLS record (client or server, by NDR_TLS_F_SERVER). */
void ndr_tls_sessions_add(struct ndr_tls_sessions *s, const struct ndr_tls_rec *r);
/* Record time has reached now_ns (any record says so, not only a TLS
 * one): the ClientHellos that waited longer than wait_ns go out alone, so
 * an unanswered one is not held until the next TLS record of a quiet link. */
void ndr_tls_sessions_advance(struct ndr_tls_sessions *s, uint64_t now_ns);
void ndr_tls_sessions_flush(struct ndr_tls_sessions *s);
void ndr_tls_sessions_stats(const struct ndr_tls_sessions *s, struct ndr_tls_sessions_stats *st);
void ndr_tls_sessions_free(struct ndr_tls_sessions *s);

#endif
