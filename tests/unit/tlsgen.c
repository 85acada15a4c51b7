/*
 * tlsgen.c - TLS ClientHello builder for the unit tests (tlsgen.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsgen.h"

static void need(struct tlsgen *t, uint32_t n)
{
	if (t->len + n > TLSGEN_MAX) {
		fprintf(stderr, "tlsgen: ClientHello of more than %u bytes\n", TLSGEN_MAX);
		abort();
	}
}

static void u8(struct tlsgen *t, uint8_t v)
{
	need(t, 1);
	t->b[t->len++] = v;
}

static void u16(struct tlsgen *t, uint16_t v)
{
	u8(t, (uint8_t)(v >> 8));
	u8(t, (uint8_t)v);
}

static void raw(struct tlsgen *t, const void *p, uint32_t n)
{
	if (!n)
		return;         /* an empty extension's data may be NULL */
	need(t, n);
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

void tlsgen_put16(struct tlsgen *t, uint32_t off, uint16_t v)
{
	t->b[off] = (uint8_t)(v >> 8);
	t->b[off + 1] = (uint8_t)v;
}

void tlsgen_put24(struct tlsgen *t, uint32_t off, uint32_t v)
{
	t->b[off] = (uint8_t)(v >> 16);
	t->b[off + 1] = (uint8_t)(v >> 8);
	t->b[off + 2] = (uint8_t)v;
}

static void fillers(struct tlsgen *t, uint32_t n, uint32_t *next)
{
	for (uint32_t i = 0; i < n; i++) {
		u16(t, (uint16_t)(0xff00u + (*next)++ % 0xffu));
		u16(t, 0);
	}
}

void tlsgen_hello(struct tlsgen *t, const struct tlsgen_opts *o)
{
	uint16_t ciphers = o->n_ciphers ? o->n_ciphers : 3;
	uint32_t next = 0;

	memset(t, 0, sizeof(*t));
	u8(t, 22);
	u16(t, o->record_version ? o->record_version : 0x0301);
	u16(t, 0);                          /* record length, below */
	u8(t, 1);
	u8(t, 0);                           /* handshake length, below */
	u16(t, 0);
	u16(t, o->hello_version ? o->hello_version : 0x0303);
	for (uint32_t i = 0; i < 32; i++)
		u8(t, (uint8_t)(0xa0 + i));
	u8(t, o->session_id_len);
	for (uint32_t i = 0; i < o->session_id_len; i++)
		u8(t, (uint8_t)i);
	t->ciphers_off = t->len;
	u16(t, (uint16_t)(ciphers * 2));
	for (uint32_t i = 0; i < ciphers; i++)
		u16(t, (uint16_t)(0x1301 + i));
	u8(t, 1);                           /* compression: null only */
	u8(t, 0);
	t->ext_len_off = t->len;
	u16(t, 0);                          /* extensions length, below */
	fillers(t, o->filler_before, &next);
	if (o->sni) {
		uint16_t n = (uint16_t)strlen(o->sni);

		t->sni_ext_off = t->len;
		u16(t, 0);
		u16(t, (uint16_t)(n + 5));
		u16(t, (uint16_t)(n + 3));
		u8(t, o->sni_name_type);
		u16(t, n);
		raw(t, o->sni, n);
	}
	if (o->alpn) {
		uint8_t n = (uint8_t)strlen(o->alpn);

		t->alpn_ext_off = t->len;
		u16(t, 16);
		u16(t, (uint16_t)(n + 3));
		u16(t, (uint16_t)(n + 1));
		u8(t, n);
		raw(t, o->alpn, n);
	}
	fillers(t, o->filler_after, &next);
	if (o->padding) {
		u16(t, 21);
		u16(t, (uint16_t)o->padding);
		need(t, o->padding);
		memset(t->b + t->len, 0, o->padding);
		t->len += o->padding;
	}
	tlsgen_put16(t, t->ext_len_off, (uint16_t)(t->len - t->ext_len_off - 2));
	tlsgen_put16(t, 3, (uint16_t)(t->len - 5));
	tlsgen_put24(t, 6, t->len - 9);
}

static void handshake_start(struct tlsgen *t, uint8_t type, uint16_t version)
{
	memset(t, 0, sizeof(*t));
	u8(t, 22);
	u16(t, 0x0301);
	u16(t, 0);                          /* record length, at the end */
	u8(t, type);
	u8(t, 0);                           /* handshake length, at the end */
	u16(t, 0);
	u16(t, version);
	for (uint32_t i = 0; i < 32; i++)
		u8(t, (uint8_t)(0x50 + i));
	u8(t, 0);                           /* no session id */
}

static void handshake_end(struct tlsgen *t, const struct tlsgen_ext *ext, unsigned n_ext)
{
	t->ext_len_off = t->len;
	u16(t, 0);
	for (unsigned i = 0; i < n_ext; i++) {
		u16(t, ext[i].type);
		u16(t, ext[i].len);
		raw(t, ext[i].data, ext[i].len);
	}
	tlsgen_put16(t, t->ext_len_off, (uint16_t)(t->len - t->ext_len_off - 2));
	tlsgen_put16(t, 3, (uint16_t)(t->len - 5));
	tlsgen_put24(t, 6, t->len - 9);
}

void tlsgen_client(struct tlsgen *t, uint16_t version, const uint16_t *ciphers, unsigned n,
		   const struct tlsgen_ext *ext, unsigned n_ext)
{
	handshake_start(t, 1, version);
	t->ciphers_off = t->len;
	u16(t, (uint16_t)(2 * n));
	for (unsigned i = 0; i < n; i++)
		u16(t, ciphers[i]);
	u8(t, 1);
	u8(t, 0);
	handshake_end(t, ext, n_ext);
}

void tlsgen_server(struct tlsgen *t, uint16_t version, uint16_t cipher,
		   const struct tlsgen_ext *ext, unsigned n_ext)
{
	handshake_start(t, 2, version);
	u16(t, cipher);
	u8(t, 0);                           /* compression method: null */
	handshake_end(t, ext, n_ext);
}
