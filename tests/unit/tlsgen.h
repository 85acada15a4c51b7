/*
 * tlsgen.h - builds TLS ClientHello records in memory for the unit tests.
 *
 * tlsgen_hello() writes one handshake record (content type 22) holding one
 * ClientHello with every length field consistent; a test that wants a lie
 * patches it afterwards at the offsets the builder reports.
 */
#ifndef NDR_TEST_TLSGEN_H
#define NDR_TEST_TLSGEN_H

#include <stdint.h>

#define TLSGEN_MAX 8192u

struct tlsgen_opts {
	uint16_t record_version;   /* 0: 0x0301 */
	uint16_t hello_version;    /* 0: 0x0303 */
	uint8_t  session_id_len;
	uint16_t n_ciphers;        /* 0: 3 */
	const char *sni;           /* NULL: no server_name extension */
	uint8_t  sni_name_type;    /* host_name is 0 */
	const char *alpn;          /* NULL: no ALPN extension */
	uint32_t filler_before;    /* empty extensions (type 0xff00 + i) before */
	uint32_t filler_after;     /* ... and after the SNI/ALPN extensions */
	uint32_t padding;          /* a padding extension (21) of this many bytes */
};

struct tlsgen {
	uint8_t  b[TLSGEN_MAX];
	uint32_t len;
	/* where the builder put things, for tests that patch lengths */
	uint32_t ciphers_off;      /* the cipher_suites length field */
	uint32_t ext_len_off;      /* the extensions length field */
	uint32_t sni_ext_off;      /* the server_name extension header, 0 if none */
	uint32_t alpn_ext_off;     /* the ALPN extension header, 0 if none */
};

void tlsgen_hello(struct tlsgen *t, const struct tlsgen_opts *o);

/* An extension as it goes on the wire: type, then data of len bytes. */
struct tlsgen_ext {
	uint16_t type;
	const void *data;
	uint16_t len;
};
/* A ClientHello with these cipher suites and extensions, in this order. */
void tlsgen_client(struct tlsgen *t, uint16_t version, const uint16_t *ciphers, unsigned n,
		   const struct tlsgen_ext *ext, unsigned n_ext);
/* A ServerHello choosing cipher, with these extensions. */
void tlsgen_server(struct tlsgen *t, uint16_t version, uint16_t cipher,
		   const struct tlsgen_ext *ext, unsigned n_ext);
void tlsgen_put16(struct tlsgen *t, uint32_t off, uint16_t v);
void tlsgen_put24(struct tlsgen *t, uint32_t off, uint32_t v);

#endif
