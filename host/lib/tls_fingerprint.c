/*
 * tls_fingerprint.c - JA3 and JA4 from a TLS record's lists
 * (ndr_tls_fingerprint.h). OpenSSL's EVP digests do the hashing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ndr_tls_fingerprint.h"

int ndr_tls_grease(unsigned v)
{
	return (v & 0x0f0fu) == 0x0a0au && (v >> 8) == (v & 0xffu);
}

const char *ndr_tls_fingerprint_missing(const struct ndr_tls_rec *r)
{
	if (r->tls_flags & NDR_TLS_F_SERVER)
		return "server_hello";
	if (r->tls_flags & (NDR_TLS_F_TRUNCATED | NDR_TLS_F_MALFORMED))
		return "hello_not_whole";
	if (!(r->tls_flags & NDR_TLS_F_CIPHERS))
		return "no_ciphers";
	if (r->tls_flags & (NDR_TLS_F_EXT_CUT | NDR_TLS_F_LIST_CUT))
		return "list_cut";
	if (r->n_ciphers > NDR_TLS_CIPHERS_MAX || r->n_extensions > NDR_TLS_MAX_EXT ||
	    r->n_groups > NDR_TLS_GROUPS_MAX || r->n_sigalgs > NDR_TLS_SIGALGS_MAX ||
	    r->n_point_formats > NDR_TLS_PF_MAX)
		return "count_beyond_array";
	return NULL;
}

static void digest_hex(const EVP_MD *md, const char *s, char *hex, size_t want)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(s, strlen(s), d, &n, md, NULL))
		n = 0;
	for (i = 0; i < n && 2 * i < want; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	hex[want] = '\0';
}

/* Appends the non-GREASE values of v[0..n) in decimal, '-' between. */
static size_t put_dec(char *s, size_t at, size_t len, const uint16_t *v, unsigned n)
{
	int first = 1;

	for (unsigned i = 0; i < n && at < len; i++) {
		if (ndr_tls_grease(v[i]))
			continue;
		at += (size_t)snprintf(s + at, len - at, "%s%u", first ? "" : "-", v[i]);
		first = 0;
	}
	return at < len ? at : len - 1;
}

void ndr_md5_hex(const char *s, char hex[33])
{
	digest_hex(EVP_md5(), s, hex, 32);
}

int ndr_tls_ja3(const struct ndr_tls_rec *r, char str[NDR_JA3_STRLEN], char md5[33])
{
	uint16_t pf[NDR_TLS_PF_MAX];
	size_t at;

	str[0] = md5[0] = '\0';
	if (ndr_tls_fingerprint_missing(r))
		return -1;
	at = (size_t)snprintf(str, NDR_JA3_STRLEN, "%u,", r->hello_version);
	at = put_dec(str, at, NDR_JA3_STRLEN, r->ciphers, r->n_ciphers);
	at += (size_t)snprintf(str + at, NDR_JA3_STRLEN - at, ",");
	at = put_dec(str, at, NDR_JA3_STRLEN, r->ext_types, r->n_extensions);
	at += (size_t)snprintf(str + at, NDR_JA3_STRLEN - at, ",");
	if (r->tls_flags & NDR_TLS_F_GROUPS)
		at = put_dec(str, at, NDR_JA3_STRLEN, r->groups, r->n_groups);
	at += (size_t)snprintf(str + at, NDR_JA3_STRLEN - at, ",");
	if (r->tls_flags & NDR_TLS_F_PF) {
		for (unsigned i = 0; i < r->n_point_formats; i++)
			pf[i] = r->point_formats[i];
		put_dec(str, at, NDR_JA3_STRLEN, pf, r->n_point_formats);
	}
	digest_hex(EVP_md5(), str, md5, 32);
	return 0;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The non-GREASE values of v[0..n) (without 'skip_a', 'skip_b' when
 * given), sorted when asked, as 4-digit hex joined by ','; their count. */
static unsigned put_hex(char *s, size_t len, const uint16_t *v, unsigned n, int sort, int skip)
{
	uint16_t k[NDR_TLS_CIPHERS_MAX + NDR_TLS_MAX_EXT];
	unsigned m = 0, i;
	size_t at = strlen(s);

	for (i = 0; i < n; i++) {
		if (ndr_tls_grease(v[i]) || (skip && (v[i] == 0x0000 || v[i] == 0x0010)))
			continue;
		k[m++] = v[i];
	}
	if (sort)
		qsort(k, m, sizeof(k[0]), cmp_u16);
	for (i = 0; i < m && at < len; i++)
		at += (size_t)snprintf(s + at, len - at, "%s%04x", i ? "," : "", k[i]);
	return m;
}

static unsigned count_plain(const uint16_t *v, unsigned n)
{
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++)
		m += !ndr_tls_grease(v[i]);
	return m;
}

static const char *ja4_version(unsigned v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static int alnum(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The first ALPN protocol's first and last characters; if either is not
 * alphanumeric, the first and last hex digits of the value instead. */
static void ja4_alpn(const struct ndr_tls_rec *r, char out[3])
{
	static const char hex[] = "0123456789abcdef";
	unsigned first, last;

	if (!(r->tls_flags & NDR_TLS_F_ALPN) || r->alpn_len == 0) {
		strcpy(out, "00");
		return;
	}
	first = r->alpn[0];
	last = r->alpn_last;
	if (alnum(first) && alnum(last)) {
		out[0] = (char)first;
		out[1] = (char)last;
	} else {
		out[0] = hex[first >> 4];
		out[1] = hex[last & 0xf];
	}
	out[2] = '\0';
}

int ndr_tls_ja4(const struct ndr_tls_rec *r, char out[NDR_JA4_STRLEN])
{
	char list[(NDR_TLS_MAX_EXT + NDR_TLS_SIGALGS_MAX + 1) * 5 + 2];
	char b[13] = "000000000000", c[13] = "000000000000", alpn[3];
	unsigned nc, ne, n, i;
	int sni = 0;

	out[0] = '\0';
	if (ndr_tls_fingerprint_missing(r))
		return -1;
	for (i = 0; i < r->n_extensions; i++)
		sni |= r->ext_types[i] == 0x0000;
	nc = count_plain(r->ciphers, r->n_ciphers);
	ne = count_plain(r->ext_types, r->n_extensions);
	ja4_alpn(r, alpn);

	list[0] = '\0';
	if (put_hex(list, sizeof(list), r->ciphers, r->n_ciphers, 1, 0))
		digest_hex(EVP_sha256(), list, b, 12);
	list[0] = '\0';
	n = put_hex(list, sizeof(list), r->ext_types, r->n_extensions, 1, 1);
	if ((r->tls_flags & NDR_TLS_F_SIGALGS) && count_plain(r->sigalgs, r->n_sigalgs)) {
		strcat(list, "_");
		n += put_hex(list, sizeof(list), r->sigalgs, r->n_sigalgs, 0, 0);
	}
	if (n)
		digest_hex(EVP_sha256(), list, c, 12);
	snprintf(out, NDR_JA4_STRLEN, "t%s%c%02u%02u%s_%s_%s",
		 ja4_version((r->tls_flags & NDR_TLS_F_SV) && r->sv_version ? r->sv_version
									 : r->hello_version),
		 sni ? 'd' : 'i', nc > 99 ? 99 : nc, ne > 99 ? 99 : ne, alpn, b, c);
	return 0;
}
