/*
 * tls_client.c - TLS client connections over non-blocking sockets with
 * OpenSSL (ndr_tls_client.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include "ndr_tls_client.h"

/* host is an IPv4 or IPv6 address (checked by IP, not by name) */
static int inet_pton_any(const char *host, unsigned char buf[16])
{
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

struct ndr_tls_ctx {
	SSL_CTX *ctx;
};

struct ndr_tls_conn {
	SSL *ssl;
};

/* OpenSSL's error queue as one line, emptied. */
static void ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, buf[0] ? buf : strerror(errno ? errno : EIO));
	ERR_clear_error();
}

struct ndr_tls_ctx *ndr_tls_ctx_new(const struct ndr_tls_opts *o, char *err, size_t errlen)
{
	struct ndr_tls_ctx *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "tls: out of memory");
		return NULL;
	}
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		ssl_error(err, errlen, "tls");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->ca_file ? SSL_CTX_load_verify_locations(t->ctx, o->ca_file, NULL) != 1
		       : SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		ssl_error(err, errlen, o->ca_file ? o->ca_file : "tls: system CA certificates");
		goto fail;
	}
	if (o->cert_file || o->key_file) {
		if (!o->cert_file || !o->key_file) {
			snprintf(err, errlen, "tls: a client certificate needs its key, and a key "
				 "its certificate");
			goto fail;
		}
		if (SSL_CTX_use_certificate_chain_file(t->ctx, o->cert_file) != 1) {
			ssl_error(err, errlen, o->cert_file);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(t->ctx, o->key_file, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(t->ctx) != 1) {
			ssl_error(err, errlen, o->key_file);
			goto fail;
		}
	}
	return t;
fail:
	ndr_tls_ctx_free(t);
	return NULL;
}

void ndr_tls_ctx_free(struct ndr_tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

struct ndr_tls_conn *ndr_tls_start(struct ndr_tls_ctx *t, int fd, const char *host,
				   char *err, size_t errlen)
{
	struct ndr_tls_conn *c = calloc(1, sizeof(*c));
	unsigned char ip[16];
	int numeric = inet_pton_any(host, ip);

	if (!c || !(c->ssl = SSL_new(t->ctx))) {
		free(c);
		ssl_error(err, errlen, "tls");
		return NULL;
	}
	SSL_set_fd(c->ssl, fd);
	/* the name (or address) in the URL is what the certificate must name */
	if (numeric) {
		X509_VERIFY_PARAM *p = SSL_get0_param(c->ssl);
		X509_VERIFY_PARAM_set1_ip_asc(p, host);
	} else {
		SSL_set_tlsext_host_name(c->ssl, host);
		SSL_set1_host(c->ssl, host);
	}
	SSL_set_connect_state(c->ssl);
	return c;
}

int ndr_tls_handshake(struct ndr_tls_conn *c, int *want_write, char *err, size_t errlen)
{
	int rc = SSL_do_handshake(c->ssl), e;

	if (rc == 1)
		return 1;
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	if (SSL_get_verify_result(c->ssl) != X509_V_OK)
		snprintf(err, errlen, "tls handshake: certificate: %s",
			 X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
	else
		ssl_error(err, errlen, "tls handshake");
	ERR_clear_error();
	return -1;
}

long ndr_tls_write(struct ndr_tls_conn *c, const void *buf, size_t len, char *err, size_t errlen)
{
	size_t done = 0;
	int rc, e;

	rc = SSL_write_ex(c->ssl, buf, len, &done);
	if (rc == 1)
		return (long)done;
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
		return 0;
	ssl_error(err, errlen, "tls write");
	return -1;
}

int ndr_tls_peer_closed(struct ndr_tls_conn *c)
{
	char buf[256];
	size_t n = 0;
	int rc, e;

	rc = SSL_read_ex(c->ssl, buf, sizeof(buf), &n);
	if (rc == 1)
		return 0;      /* the server said something: not a close */
	e = SSL_get_error(c->ssl, rc);
	ERR_clear_error();
	return !(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
}

void ndr_tls_close(struct ndr_tls_conn *c)
{
	if (!c)
		return;
	SSL_shutdown(c->ssl);   /* best effort: close_notify, without waiting */
	SSL_free(c->ssl);
	ERR_clear_error();
	free(c);
}
