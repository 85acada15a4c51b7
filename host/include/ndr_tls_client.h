/*
 * ndr_tls_client.h - the client side of TLS over a non-blocking socket
 * (OpenSSL), for outputs that must not be read or altered on the way
 * (syslog over TLS, RFC 5425).
 *
 * The server's certificate is verified against a CA file, and its name
 * against the host the output was given (SNI sent with it); an optional
 * client certificate and key authenticate the sensor to the server. TLS 1.2
 * at least.
 */
#ifndef NDR_TLS_CLIENT_H
#define NDR_TLS_CLIENT_H

#include <stddef.h>

struct ndr_tls_opts {
	const char *ca_file;    /* PEM CA certificates; NULL: the system's */
	const char *cert_file;  /* PEM client certificate (optional) */
	const char *key_file;   /* its key (with cert_file) */
};

struct ndr_tls_ctx;
struct ndr_tls_conn;

/* NULL with "FILE: why" in err. */
struct ndr_tls_ctx *ndr_tls_ctx_new(const struct ndr_tls_opts *o, char *err, size_t errlen);
void ndr_tls_ctx_free(struct ndr_tls_ctx *ctx);

/* A connection over the connected socket fd (not closed by ndr_tls_close),
 * checking the server's name against host. NULL with err. */
struct ndr_tls_conn *ndr_tls_start(struct ndr_tls_ctx *ctx, int fd, const char *host,
				   char *err, size_t errlen);
/* 1 when the handshake is done, 0 to call again when the socket is ready
 * (*want_write says for what), -1 with err (verification failure included). */
int ndr_tls_handshake(struct ndr_tls_conn *c, int *want_write, char *err, size_t errlen);
/* Bytes written (> 0), 0 when the socket is full, -1 with err. */
long ndr_tls_write(struct ndr_tls_conn *c, const void *buf, size_t len, char *err, size_t errlen);
/* Whether the server closed (close_notify or EOF) or broke the connection;
 * a server that sends nothing leaves it open. */
int ndr_tls_peer_closed(struct ndr_tls_conn *c);
void ndr_tls_close(struct ndr_tls_conn *c);

#endif
