/*
 * dns_tunnel.c - D1: DNS tunnels and DNS command and control.
 *
 * Per-query rules (long name, high entropy) miss most tunnel queries; what
 * separates tunnels is aggregation per (client, registered domain): many
 * distinct names under one domain, mostly not A/AAAA, long or random labels,
 * and on the answer side large high-entropy TXT/NULL records. This detector
 * keeps those features per (client, eTLD+1) in a fixed table of entries with
 * LRU eviction, over tumbling windows, and scores them on every record so a
 * fast tunnel is reported within a minute or two. docs/detectors.md has the
 * formula, the configuration and the reasoning behind the defaults.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/random.h>

#include "ndr_cidr_set.h"
#include "ndr_detector.h"
#include "ndr_dns_names.h"
#include "ndr_hll.h"
#include "ndr_lru.h"
#include "ndr_regdomain.h"

#define DT_SECTION      "dns_tunnel"
#define DT_NAME_BYTES   (NDR_DNS_NAME_MAX + 1)
#define DT_EXAMPLES     3
#define DT_EXAMPLE_MAX  128          /* example names are cut to 127 bytes */
#define DT_QTYPE_SLOTS  8
#define DT_NIL          UINT32_MAX
#define DT_SID_QUERY    8610001u     /* query side: many unique names */
#define DT_SID_ANSWER   8610002u     /* answer side: large random TXT/NULL */
#define DT_ENC_LABELS   16           /* distinct encoded labels remembered */

#define DNS_QR          0x8000u
#define DNS_OPCODE(f)   (((f) >> 11) & 0xfu)
#define DNS_RCODE(f)    ((f) & 0xfu)
#define DNS_NXDOMAIN    3u

/* Letters, digits and '-': a label can be no more random than this. */
#define HOSTNAME_ALPHABET 37.0
/* Labels shorter than this say nothing about randomness. */
#define ENTROPY_MIN_LABEL 8u

struct dt_qtype {
	uint16_t type;
	uint32_t count;
};

/* The key of an entry: the client and the registered domain, hashed and
 * compared over the domain's length only (dt_key_hash, dt_key_equal). */
struct dt_key {
	uint8_t client[16];
	uint16_t len;                  /* of domain */
	char domain[DT_NAME_BYTES];    /* NUL-terminated, zero after */
};

#define DT_KEY_HEAD offsetof(struct dt_key, domain)

/* One (client, registered domain): the value of its table entry, the HLL
 * registers right after the struct. The fields one record updates come
 * first, the alert's evidence last. */
struct dt_entry {
	uint32_t supp_slot;            /* suppression record it counted in */
	uint8_t resolver[16];
	uint16_t client_port;
	uint16_t resolver_port;
	uint8_t proto;
	uint8_t ipv6;
	uint8_t n_examples;
	uint64_t first_seen_ns;
	uint64_t last_seen_ns;
	uint64_t window_start_ns;
	uint64_t suppressed_until_ns;
	/* the current window */
	uint32_t queries, responses, messages;
	uint32_t non_addr;             /* qtype other than A/AAAA/HTTPS/SVCB */
	uint32_t nxdomain;
	uint32_t max_label;
	uint64_t qname_bytes;
	uint64_t longest_label_sum;
	uint32_t ent_n;                /* messages with a label >= 8 chars */
	uint64_t ent_sum;              /* their normalised entropy, Q16 */
	uint32_t txt_responses;        /* responses with TXT/NULL answers */
	uint64_t txt_bytes;
	uint64_t txt_ent_sum;          /* Q4.12 bits per byte */
	uint32_t qtype_other;          /* types beyond DT_QTYPE_SLOTS */
	struct dt_qtype qtypes[DT_QTYPE_SLOTS];
	/* the short-session path: names that are obviously encoded data */
	uint32_t enc_messages;         /* messages whose name is encoded */
	uint32_t enc_binary;           /* ... with bytes no hostname has */
	uint32_t enc_answers;          /* responses with a random TXT/NULL payload */
	uint32_t n_enc_labels;
	uint32_t enc_labels[DT_ENC_LABELS]; /* hashes of the distinct encoded labels */
	struct ndr_hll hll;
	char examples[DT_EXAMPLES][DT_EXAMPLE_MAX];
};

/* One alerted domain: the suppression window and what it swallowed. */
struct dt_supp {
	uint64_t key;                  /* domain hash, 0 = free */
	uint64_t alerted_ns;
	uint64_t until_ns;
	uint32_t suppressed;           /* threshold crossings not alerted */
	uint32_t clients;              /* pairs that crossed, the alerted one too */
	double max_score;
	char domain[DT_NAME_BYTES];
};

struct dt_config {
	uint64_t window_ns;
	uint64_t suppress_ns;
	uint64_t max_entities;
	uint64_t max_alerted_domains;
	uint64_t hll_precision;
	uint64_t hash_seed;
	uint64_t min_queries;
	uint64_t min_distinct;
	double score_threshold;
	double distinct_low, distinct_high;
	double non_a_low, non_a_high;
	double qname_len_low, qname_len_high;
	double label_len_low, label_len_high;
	double entropy_low, entropy_high;
	uint64_t txt_min_answers;
	uint64_t txt_min_names;
	double txt_bytes_low, txt_bytes_high;
	double txt_entropy_low, txt_entropy_high;
	uint64_t short_min_names;
	uint64_t short_label_len;
	double short_entropy;
};

struct dt {
	struct dt_config cfg;
	struct ndr_regdomain *rd;
	uint64_t seed;
	uint64_t shard_seed;           /* the sensor's, the same in every instance */

	struct ndr_lru table;          /* struct dt_key -> struct dt_entry */
	struct ndr_stats stats;

	struct dt_supp *supp;
	uint32_t supp_cap;

	char **allow_domain;           /* sorted, lower-case */
	size_t n_allow_domain;
	size_t allow_bytes;
	struct ndr_cidr_set *allow_client;

	/* counters */
	uint64_t dns_records, malformed, not_query, incomplete_name;
	uint64_t no_domain, reverse, allowed_domain, allowed_client;
	uint64_t expired, alerts, alerts_suppressed, supp_evictions;
};

/* ------------------------------------------------------------------ */
/* configuration */

/* "*.Example.COM." -> "example.com"; NULL if it is not a domain name. */
static char *normalise_domain(const char *text)
{
	size_t len;
	char *d;

	if (text[0] == '*' && text[1] == '.')
		text += 2;
	else if (text[0] == '.')
		text += 1;
	len = strlen(text);
	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len == 0 || len > NDR_DNS_NAME_MAX)
		return NULL;
	d = malloc(len + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c <= ' ' || c == '/' || c == '*' || (c == '.' && (i == 0 || text[i - 1] == '.'))) {
			free(d);
			return NULL;
		}
		d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	d[len] = '\0';
	return d;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_allowlists(struct dt *d, struct ndr_config *cfg, char *err, size_t errlen)
{
	const char *const *vals;
	char why[192];
	size_t n;

	n = ndr_config_list(cfg, DT_SECTION, "allow_domain", &vals);
	if (n) {
		d->allow_domain = calloc(n, sizeof(char *));
		if (!d->allow_domain)
			goto oom;
		for (size_t i = 0; i < n; i++) {
			char *dom = normalise_domain(vals[i]);

			if (!dom) {
				ndr_config_errorf(cfg, DT_SECTION, "allow_domain", vals[i], err, errlen,
						  "'%s': not a domain name", vals[i]);
				return -1;
			}
			d->allow_domain[d->n_allow_domain++] = dom;
			d->allow_bytes += sizeof(char *) + strlen(dom) + 1;
		}
		qsort(d->allow_domain, d->n_allow_domain, sizeof(char *), cmp_str);
	}
	n = ndr_config_list(cfg, DT_SECTION, "allow_client", &vals);
	d->allow_client = ndr_cidr_set_new();
	if (!d->allow_client)
		goto oom;
	for (size_t i = 0; i < n; i++)   /* one by one: the error names its line */
		if (ndr_cidr_set_add_list(d->allow_client, vals + i, 1, why, sizeof(why)) != 0)
			return ndr_config_errorf(cfg, DT_SECTION, "allow_client", vals[i], err,
						 errlen, "%s", why);
	return 0;
oom:
	snprintf(err, errlen, "[%s] allowlists: out of memory", DT_SECTION);
	return -1;
}

/* A (low, high) pair of ramp end points; low must be below high. */
static int get_ramp(struct ndr_config *cfg, const char *lo_key, const char *hi_key,
		    double def_lo, double def_hi, double min, double max,
		    double *lo, double *hi, char *err, size_t errlen)
{
	if (ndr_config_double(cfg, DT_SECTION, lo_key, def_lo, min, max, lo, err, errlen) != 0 ||
	    ndr_config_double(cfg, DT_SECTION, hi_key, def_hi, min, max, hi, err, errlen) != 0)
		return -1;
	if (!(*lo < *hi)) {
		ndr_config_errorf(cfg, DT_SECTION, lo_key, NULL, err, errlen,
				  "%g must be below %s (%g)", *lo, hi_key, *hi);
		return -1;
	}
	return 0;
}

static int read_config(struct dt_config *c, struct ndr_config *cfg, char *err, size_t errlen)
{
	uint64_t ms;

	if (ndr_config_duration_ms(cfg, DT_SECTION, "window", 600000, 10000, 86400000,
				   &ms, err, errlen) != 0)
		return -1;
	c->window_ns = ms * 1000000ull;
	if (ndr_config_duration_ms(cfg, DT_SECTION, "suppress", 3600000, 60000, 7 * 86400000ull,
				   &ms, err, errlen) != 0)
		return -1;
	c->suppress_ns = ms * 1000000ull;
	if (ndr_config_u64(cfg, DT_SECTION, "max_entities", 16384, 16, 1u << 24,
			   &c->max_entities, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "max_alerted_domains", 4096, 16, 1u << 20,
			   &c->max_alerted_domains, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "hll_precision", 10, NDR_HLL_MIN_PRECISION,
			   NDR_HLL_MAX_PRECISION, &c->hll_precision, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "hash_seed", 0, 0, UINT64_MAX,
			   &c->hash_seed, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "min_queries", 50, 1, 1000000,
			   &c->min_queries, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "min_distinct", 50, 1, 1000000,
			   &c->min_distinct, err, errlen) != 0 ||
	    ndr_config_double(cfg, DT_SECTION, "score_threshold", 0.6, 0.01, 1.0,
			      &c->score_threshold, err, errlen) != 0 ||
	    get_ramp(cfg, "distinct_low", "distinct_high", 100, 200, 1, 1e7,
		     &c->distinct_low, &c->distinct_high, err, errlen) != 0 ||
	    get_ramp(cfg, "non_a_share_low", "non_a_share_high", 0.35, 0.7, 0, 1,
		     &c->non_a_low, &c->non_a_high, err, errlen) != 0 ||
	    get_ramp(cfg, "qname_len_low", "qname_len_high", 40, 80, 1, 253,
		     &c->qname_len_low, &c->qname_len_high, err, errlen) != 0 ||
	    get_ramp(cfg, "label_len_low", "label_len_high", 20, 40, 1, 63,
		     &c->label_len_low, &c->label_len_high, err, errlen) != 0 ||
	    get_ramp(cfg, "entropy_low", "entropy_high", 0.5, 0.75, 0, 1,
		     &c->entropy_low, &c->entropy_high, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "txt_min_answers", 5, 1, 1000000,
			   &c->txt_min_answers, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "txt_min_names", 5, 1, 1000000,
			   &c->txt_min_names, err, errlen) != 0 ||
	    get_ramp(cfg, "txt_bytes_low", "txt_bytes_high", 150, 300, 1, 65535,
		     &c->txt_bytes_low, &c->txt_bytes_high, err, errlen) != 0 ||
	    get_ramp(cfg, "txt_entropy_low", "txt_entropy_high", 4.5, 5.2, 0, 8,
		     &c->txt_entropy_low, &c->txt_entropy_high, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "short_min_names", 5, 2, DT_ENC_LABELS,
			   &c->short_min_names, err, errlen) != 0 ||
	    ndr_config_u64(cfg, DT_SECTION, "short_label_len", 24, 8, 63,
			   &c->short_label_len, err, errlen) != 0 ||
	    ndr_config_double(cfg, DT_SECTION, "short_entropy", 0.65, 0, 1,
			      &c->short_entropy, err, errlen) != 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the entity table */

static uint64_t dt_key_hash(const void *key, uint64_t seed)
{
	const struct dt_key *k = key;

	return ndr_hash64(k, DT_KEY_HEAD + k->len, seed);
}

static int dt_key_equal(const void *stored, const void *key)
{
	const struct dt_key *a = stored, *b = key;

	return a->len == b->len && memcmp(a, b, DT_KEY_HEAD + a->len) == 0;
}

static const struct dt_key *key_of(const struct dt *d, const struct dt_entry *e)
{
	return ndr_lru_key(&d->table, e);
}

static void window_reset(struct dt_entry *e, uint64_t t)
{
	e->window_start_ns = t;
	e->queries = e->responses = e->messages = 0;
	e->non_addr = e->nxdomain = e->max_label = 0;
	e->qname_bytes = e->longest_label_sum = 0;
	e->ent_n = 0;
	e->ent_sum = 0;
	e->txt_responses = 0;
	e->txt_bytes = e->txt_ent_sum = 0;
	e->qtype_other = 0;
	memset(e->qtypes, 0, sizeof(e->qtypes));
	e->enc_messages = e->enc_binary = e->enc_answers = e->n_enc_labels = 0;
	e->n_examples = 0;
	ndr_hll_reset(&e->hll);
}

static struct dt_entry *entry_get(struct dt *d, const uint8_t client[16], const char *domain,
				   uint64_t t)
{
	struct dt_key k;
	size_t len = strlen(domain);
	struct dt_entry *e;
	int created;

	memset(&k, 0, sizeof(k));
	memcpy(k.client, client, 16);
	k.len = (uint16_t)len;
	memcpy(k.domain, domain, len);
	e = ndr_lru_get(&d->table, &k, &created);
	if (!created)
		return e;
	ndr_hll_init(&e->hll, (unsigned)d->cfg.hll_precision, (uint8_t *)(e + 1));
	e->first_seen_ns = e->last_seen_ns = t;
	e->suppressed_until_ns = 0;
	e->supp_slot = DT_NIL;
	window_reset(e, t);
	return e;
}

/* ------------------------------------------------------------------ */
/* features */

static int addr_like(uint16_t qtype)
{
	/* HTTPS (65) and SVCB (64) ride along with A/AAAA in every modern
	 * browser lookup; counting them as unusual would flag all web use. */
	return qtype == 1 || qtype == 28 || qtype == 64 || qtype == 65;
}

static void count_qtype(struct dt_entry *e, uint16_t qtype)
{
	for (unsigned i = 0; i < DT_QTYPE_SLOTS; i++) {
		if (e->qtypes[i].count && e->qtypes[i].type == qtype) {
			e->qtypes[i].count++;
			return;
		}
		if (e->qtypes[i].count == 0) {
			e->qtypes[i].type = qtype;
			e->qtypes[i].count = 1;
			return;
		}
	}
	e->qtype_other++;
}

static void add_example(struct dt_entry *e, const char *name)
{
	char cut[DT_EXAMPLE_MAX];
	size_t len = strnlen(name, DT_EXAMPLE_MAX - 1);

	if (e->n_examples >= DT_EXAMPLES)
		return;
	memcpy(cut, name, len);
	cut[len] = '\0';
	for (unsigned i = 0; i < e->n_examples; i++)
		if (strcmp(e->examples[i], cut) == 0)
			return;
	memcpy(e->examples[e->n_examples++], cut, sizeof(cut));
}

/* A byte no hostname carries: anything but letters, digits, '-', '_' and
 * the dots between labels (iodine's raw 8-bit labels, base64's '+', '/',
 * '=' in dns2tcp). */
static int hostname_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/*
 * The short-session path's test of one name: is it obviously encoded data?
 * Its longest label is long (short_label_len) and random (normalised
 * entropy short_entropy), or it holds bytes no hostname has. The label's
 * hash goes into the entry's set of distinct encoded labels: a tunnel
 * sends new data in every query, while a long label that repeats (an AD
 * site name, a domain GUID in DC-locator SRV lookups, a DKIM selector)
 * is one label however often it is looked up.
 */
static void add_encoded(struct dt *d, struct dt_entry *e, const struct ndr_dns_rec *r,
			const char *name, int response)
{
	const struct dt_config *c = &d->cfg;
	size_t best = 0, best_len = 0, start = 0;
	int binary = 0, encoded = 0;
	uint32_t h;

	for (size_t i = 0; i <= r->qname_len; i++) {
		if (i < r->qname_len && !hostname_byte((unsigned char)name[i]))
			binary = 1;
		if (i == r->qname_len || name[i] == '.') {
			if (i - start > best_len) {
				best = start;
				best_len = i - start;
			}
			start = i + 1;
		}
	}
	if (response && r->txt_len >= 32 && r->txt_entropy > 0) {
		double h_bits = (double)r->txt_entropy / (double)(1u << NDR_ENTROPY_FRAC_BITS);

		if (h_bits / log2(fmin((double)r->txt_len, 256.0)) >= 0.75)
			e->enc_answers++;
	}
	if (best_len >= c->short_label_len) {
		double cap = log2(fmin((double)best_len, HOSTNAME_ALPHABET));
		double hl = (double)r->label_entropy / (double)(1u << NDR_ENTROPY_FRAC_BITS);

		encoded = hl / cap >= c->short_entropy;
	}
	if (!encoded && !binary)
		return;
	e->enc_messages++;
	e->enc_binary += (uint32_t)binary;
	h = (uint32_t)ndr_hash64(name + best, best_len, d->seed) | 1u;
	for (uint32_t i = 0; i < e->n_enc_labels; i++)
		if (e->enc_labels[i] == h)
			return;
	if (e->n_enc_labels < DT_ENC_LABELS)
		e->enc_labels[e->n_enc_labels++] = h;
}

static void add_message(struct dt *d, struct dt_entry *e, const struct ndr_dns_rec *r,
			const char *name, int response)
{
	e->messages++;
	if (response)
		e->responses++;
	else
		e->queries++;
	ndr_hll_add_hash(&e->hll, ndr_hash64(name, r->qname_len, d->seed));
	if (!addr_like(r->qtype))
		e->non_addr++;
	count_qtype(e, r->qtype);
	e->qname_bytes += r->qname_len;
	e->longest_label_sum += r->longest_label;
	if (r->longest_label > e->max_label)
		e->max_label = r->longest_label;
	if (r->longest_label >= ENTROPY_MIN_LABEL) {
		/* Entropy of a label cannot exceed log2(its length) nor
		 * log2(alphabet): normalise by the smaller so short labels are
		 * not judged against an impossible maximum. */
		double cap = log2(fmin((double)r->longest_label, HOSTNAME_ALPHABET));
		double h = (double)r->label_entropy / (double)(1u << NDR_ENTROPY_FRAC_BITS);
		double norm = fmin(h / cap, 1.0);

		e->ent_n++;
		e->ent_sum += (uint64_t)(norm * 65536.0 + 0.5);
	}
	if (response && DNS_RCODE(r->dns_flags) == DNS_NXDOMAIN)
		e->nxdomain++;
	if (response && r->txt_len > 0) {
		e->txt_responses++;
		e->txt_bytes += r->txt_len;
		e->txt_ent_sum += r->txt_entropy;
	}
	add_encoded(d, e, r, name, response);
	add_example(e, name);
}

/* ------------------------------------------------------------------ */
/* scoring */

static double ramp(double x, double lo, double hi)
{
	if (x <= lo)
		return 0.0;
	if (x >= hi)
		return 1.0;
	return (x - lo) / (hi - lo);
}

/* A window younger than this is projected as if it were this old, so a
 * burst in the first seconds is not extrapolated to an absurd rate. */
#define MIN_PROJECTION_NS (60ull * 1000000000ull)

struct dt_view {
	double distinct;
	double projected;              /* distinct names at this rate per window */
	double non_a_share;
	double mean_qname_len;
	double mean_longest_label;
	double mean_entropy;
	double mean_txt_bytes;
	double mean_txt_entropy;
	double s_query, s_answer, s_short, score;
};

static void view(const struct dt *d, const struct dt_entry *e, struct dt_view *v)
{
	const struct dt_config *c = &d->cfg;
	double n = e->messages ? (double)e->messages : 1.0;
	uint64_t age = e->last_seen_ns - e->window_start_ns;

	memset(v, 0, sizeof(*v));
	v->distinct = ndr_hll_estimate(&e->hll);
	if (age < MIN_PROJECTION_NS)
		age = MIN_PROJECTION_NS;
	v->projected = age >= c->window_ns ? v->distinct :
		       v->distinct * (double)c->window_ns / (double)age;
	v->non_a_share = (double)e->non_addr / n;
	v->mean_qname_len = (double)e->qname_bytes / n;
	v->mean_longest_label = (double)e->longest_label_sum / n;
	if (e->ent_n)
		v->mean_entropy = (double)e->ent_sum / 65536.0 / (double)e->ent_n;
	if (e->txt_responses) {
		v->mean_txt_bytes = (double)e->txt_bytes / (double)e->txt_responses;
		v->mean_txt_entropy = (double)e->txt_ent_sum / (double)(1u << NDR_ENTROPY_FRAC_BITS) /
				      (double)e->txt_responses;
	}
	if (e->messages >= c->min_queries && v->distinct >= (double)c->min_distinct) {
		double volume = ramp(v->projected, c->distinct_low, c->distinct_high);
		double types = ramp(v->non_a_share, c->non_a_low, c->non_a_high);
		double shape = fmax(ramp(v->mean_qname_len, c->qname_len_low, c->qname_len_high),
				    ramp(v->mean_longest_label, c->label_len_low, c->label_len_high)) *
			       ramp(v->mean_entropy, c->entropy_low, c->entropy_high);

		v->s_query = volume * (1.0 - (1.0 - types) * (1.0 - shape));
	}
	if (e->txt_responses >= c->txt_min_answers && v->distinct >= (double)c->txt_min_names)
		v->s_answer = ramp(v->mean_txt_bytes, c->txt_bytes_low, c->txt_bytes_high) *
			      ramp(v->mean_txt_entropy, c->txt_entropy_low, c->txt_entropy_high);
	/* the short session: a handful of distinct encoded labels, in lookups
	 * that are mostly not A/AAAA (or carry bytes no hostname has), and
	 * at least a quarter of the pair's messages encoded */
	if (e->n_enc_labels >= c->short_min_names && 4 * e->enc_messages >= e->messages) {
		double types = fmax(ramp(v->non_a_share, c->non_a_low, c->non_a_high),
				    e->enc_binary >= c->short_min_names ? 1.0 : 0.0);
		double extra = (double)(e->n_enc_labels - c->short_min_names) * 0.1 +
			       0.2 * (double)e->enc_answers / fmax(1.0, (double)e->responses);

		v->s_short = types * fmin(1.0, 0.6 + extra);
	}
	v->score = 1.0 - (1.0 - v->s_query) * (1.0 - v->s_answer) * (1.0 - v->s_short);
}

/* ------------------------------------------------------------------ */
/* alerts */

static void iso_time(uint64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char day[32];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06uZ", day, (unsigned)(ns % 1000000000ull / 1000u));
}

static json_t *json_time(uint64_t ns)
{
	char buf[48];

	iso_time(ns, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *json_round(double x, double scale)
{
	return json_real(round(x * scale) / scale);
}

static json_t *json_addr(const uint8_t a[16], int ipv6)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(ipv6 ? AF_INET6 : AF_INET, ipv6 ? a : a + 12, buf, sizeof(buf));
	return json_string(buf);
}

static int cmp_qtype_desc(const void *a, const void *b)
{
	const struct dt_qtype *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : (int)x->type - (int)y->type;
}

static json_t *qtype_histogram(const struct dt_entry *e)
{
	struct dt_qtype sorted[DT_QTYPE_SLOTS];
	json_t *o = json_object();
	uint32_t rest = e->qtype_other;
	char buf[NDR_DNS_NUMBER_NAME_LEN];

	memcpy(sorted, e->qtypes, sizeof(sorted));
	qsort(sorted, DT_QTYPE_SLOTS, sizeof(sorted[0]), cmp_qtype_desc);
	for (unsigned i = 0; i < DT_QTYPE_SLOTS; i++) {
		if (sorted[i].count == 0)
			continue;
		if (i < 5)
			json_object_set_new(o, ndr_dns_rrtype_name(sorted[i].type, buf),
					    json_integer(sorted[i].count));
		else
			rest += sorted[i].count;
	}
	if (rest)
		json_object_set_new(o, "other", json_integer(rest));
	return o;
}

static json_t *evidence(const struct dt *d, const struct dt_entry *e, const struct dt_view *v,
			const struct dt_supp *previous)
{
	json_t *o = json_object();
	json_t *names = json_array();

	json_object_set_new(o, "client", json_addr(key_of(d, e)->client, e->ipv6));
	json_object_set_new(o, "registered_domain", json_string(key_of(d, e)->domain));
	json_object_set_new(o, "distinct_names", json_integer((json_int_t)llround(v->distinct)));
	json_object_set_new(o, "distinct_names_per_window",
			    json_integer((json_int_t)llround(v->projected)));
	json_object_set_new(o, "queries", json_integer(e->queries));
	json_object_set_new(o, "responses", json_integer(e->responses));
	json_object_set_new(o, "non_a_aaaa_share", json_round(v->non_a_share, 1000));
	json_object_set_new(o, "nxdomain", json_integer(e->nxdomain));
	json_object_set_new(o, "mean_qname_len", json_round(v->mean_qname_len, 10));
	json_object_set_new(o, "max_label_len", json_integer(e->max_label));
	json_object_set_new(o, "mean_longest_label", json_round(v->mean_longest_label, 10));
	json_object_set_new(o, "mean_entropy", json_round(v->mean_entropy, 1000));
	json_object_set_new(o, "txt_answers", json_integer(e->txt_responses));
	json_object_set_new(o, "txt_bytes", json_integer((json_int_t)e->txt_bytes));
	json_object_set_new(o, "mean_txt_bytes", json_round(v->mean_txt_bytes, 10));
	json_object_set_new(o, "txt_entropy", json_round(v->mean_txt_entropy, 1000));
	json_object_set_new(o, "qtypes", qtype_histogram(e));
	for (unsigned i = 0; i < e->n_examples; i++)
		json_array_append_new(names, json_string(e->examples[i]));
	json_object_set_new(o, "example_names", names);
	json_object_set_new(o, "first_seen", json_time(e->first_seen_ns));
	json_object_set_new(o, "last_seen", json_time(e->last_seen_ns));
	json_object_set_new(o, "window_start", json_time(e->window_start_ns));
	json_object_set_new(o, "window_seconds",
			    json_integer((json_int_t)(d->cfg.window_ns / 1000000000ull)));
	json_object_set_new(o, "score_query", json_round(v->s_query, 1000));
	json_object_set_new(o, "score_answer", json_round(v->s_answer, 1000));
	json_object_set_new(o, "score_short", json_round(v->s_short, 1000));
	json_object_set_new(o, "encoded_names", json_integer(e->enc_messages));
	json_object_set_new(o, "distinct_encoded_labels", json_integer(e->n_enc_labels));
	json_object_set_new(o, "names_with_non_hostname_bytes", json_integer(e->enc_binary));
	json_object_set_new(o, "random_txt_null_answers", json_integer(e->enc_answers));
	if (previous) {
		json_t *p = json_object();

		json_object_set_new(p, "alerted", json_time(previous->alerted_ns));
		json_object_set_new(p, "suppressed", json_integer(previous->suppressed));
		json_object_set_new(p, "clients", json_integer(previous->clients));
		json_object_set_new(p, "max_score", json_round(previous->max_score, 1000));
		json_object_set_new(o, "previous_alert", p);
	}
	return o;
}

static void emit_alert(struct dt *d, const struct dt_entry *e, const struct dt_view *v,
		       const struct dt_supp *previous, uint64_t t,
		       const struct ndr_alert_sink *sink)
{
	struct ndr_alert a;
	char sig[NDR_DNS_NAME_MAX + 96];
	int answer = v->s_answer > v->s_query && v->s_answer >= v->s_short;

	if (v->s_short > v->s_query && v->s_short > v->s_answer)
		snprintf(sig, sizeof(sig), "NDR DNS tunnel: encoded names in a short session to %s",
			 key_of(d, e)->domain);
	else if (answer)
		snprintf(sig, sizeof(sig),
			 "NDR DNS tunnel: large high-entropy TXT/NULL answers from %s",
			 key_of(d, e)->domain);
	else
		snprintf(sig, sizeof(sig),
			 "NDR DNS tunnel: high-rate unique subdomains to %s", key_of(d, e)->domain);
	memset(&a, 0, sizeof(a));
	a.ts_ns = t;
	a.category = DT_SECTION;
	a.signature = sig;
	a.signature_id = answer ? DT_SID_ANSWER : DT_SID_QUERY;
	a.severity = v->score >= 0.9 ? 1 : v->score >= 0.75 ? 2 : 3;
	a.score = v->score;
	a.mitre[0] = "T1071.004";
	a.mitre[1] = "T1572";
	a.mitre[2] = "T1048.003";
	a.mitre[3] = NULL;
	memcpy(a.src_addr, key_of(d, e)->client, 16);
	memcpy(a.dst_addr, e->resolver, 16);
	a.ipv6 = e->ipv6;
	a.src_port = e->client_port;
	a.dst_port = e->resolver_port;
	a.proto = e->proto;
	a.entity = key_of(d, e)->domain;
	a.evidence = evidence(d, e, v, previous);
	ndr_alert_emit(sink, &a);
	json_decref(a.evidence);
	d->alerts++;
}

static uint32_t supp_find(const struct dt *d, uint64_t key, const char *domain)
{
	for (uint32_t i = 0; i < d->supp_cap; i++)
		if (d->supp[i].key == key && strcmp(d->supp[i].domain, domain) == 0)
			return i;
	return DT_NIL;
}

/* A slot for a new alert: a free or expired one, else the oldest alert. */
static uint32_t supp_slot_for(struct dt *d, uint64_t t)
{
	uint32_t oldest = 0;

	for (uint32_t i = 0; i < d->supp_cap; i++) {
		if (d->supp[i].key == 0 || d->supp[i].until_ns <= t)
			return i;
		if (d->supp[i].alerted_ns < d->supp[oldest].alerted_ns)
			oldest = i;
	}
	d->supp_evictions++;
	return oldest;
}

static void evaluate(struct dt *d, struct dt_entry *e, uint64_t t,
		     const struct ndr_alert_sink *sink)
{
	const char *domain = key_of(d, e)->domain;
	uint64_t key = ndr_hash64(domain, strlen(domain), d->seed) | 1u;
	struct dt_supp previous, *s;
	struct dt_view v;
	int have_previous = 0;
	uint32_t i;

	view(d, e, &v);
	if (t < e->suppressed_until_ns) {
		/* already alerted or counted: later evidence only updates */
		s = e->supp_slot != DT_NIL ? &d->supp[e->supp_slot] : NULL;
		if (s && s->key == key && strcmp(s->domain, domain) == 0)
			s->max_score = fmax(s->max_score, v.score);
		return;
	}
	if (v.score < d->cfg.score_threshold)
		return;
	i = supp_find(d, key, domain);
	if (i != DT_NIL && t < d->supp[i].until_ns) {
		s = &d->supp[i];
		s->suppressed++;
		s->clients++;
		s->max_score = fmax(s->max_score, v.score);
		e->suppressed_until_ns = s->until_ns;
		e->supp_slot = i;
		d->alerts_suppressed++;
		return;
	}
	if (i != DT_NIL) {   /* the domain's last window has ended */
		previous = d->supp[i];
		have_previous = 1;
	} else {
		i = supp_slot_for(d, t);
	}
	emit_alert(d, e, &v, have_previous ? &previous : NULL, t, sink);
	s = &d->supp[i];
	s->key = key;
	s->alerted_ns = t;
	s->until_ns = t + d->cfg.suppress_ns;
	s->suppressed = 0;
	s->clients = 1;
	s->max_score = v.score;
	snprintf(s->domain, sizeof(s->domain), "%s", domain);
	e->suppressed_until_ns = s->until_ns;
	e->supp_slot = i;
}

/* ------------------------------------------------------------------ */
/* records */

static int domain_allowed(const struct dt *d, const char *name)
{
	const char *p = name;

	if (d->n_allow_domain == 0)
		return 0;
	for (;;) {
		if (bsearch(&p, d->allow_domain, d->n_allow_domain, sizeof(char *), cmp_str))
			return 1;
		p = strchr(p, '.');
		if (!p)
			return 0;
		p++;
	}
}

static int client_allowed(const struct dt *d, const uint8_t addr[16])
{
	return ndr_cidr_set_contains(d->allow_client, addr);
}

/* The stored name is the whole QNAME only if its walk ended normally; a cut
 * name has lost its rightmost labels, and with them the registered domain. */
static int name_complete(const struct ndr_dns_rec *r)
{
	if (r->parse_flags & (NDR_DNS_P_PTR_LOOP | NDR_DNS_P_LABEL_LONG |
			      NDR_DNS_P_BAD_LABEL | NDR_DNS_P_NAME_CUT))
		return 0;
	if ((r->parse_flags & NDR_DNS_P_TRUNCATED) && r->qtype == 0 && r->qclass == 0)
		return 0;
	return 1;
}

static void dt_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct dt *d = det;
	const struct ndr_dns_rec *r = (const struct ndr_dns_rec *)rec;
	char name[DT_NAME_BYTES];
	const char *domain;
	const uint8_t *client, *resolver;
	struct dt_entry *e;
	enum ndr_rd_kind kind;
	int response;
	uint64_t t = rec->ts_ns;

	if (rec->type != NDR_REC_DNS)
		return;
	d->dns_records++;
	if (rec->slots < 2 || r->qname_len > NDR_DNS_NAME_MAX ||
	    ndr_dns_rec_slots(r->qname_len) > rec->slots) {
		d->malformed++;
		return;
	}
	if ((r->parse_flags & NDR_DNS_P_NO_QUESTION) || DNS_OPCODE(r->dns_flags) != 0) {
		d->not_query++;   /* updates, notifies: no lookup to judge */
		return;
	}
	if (!name_complete(r)) {
		d->incomplete_name++;
		return;
	}
	memcpy(name, r->qname, r->qname_len);
	name[r->qname_len] = '\0';
	for (unsigned i = 0; i < r->qname_len; i++)   /* a NUL inside a label */
		if (name[i] == '\0')
			name[i] = '?';

	response = (r->dns_flags & DNS_QR) != 0;
	client = response ? r->dst_addr : r->src_addr;
	resolver = response ? r->src_addr : r->dst_addr;
	if (client_allowed(d, client)) {
		d->allowed_client++;
		return;
	}
	if (domain_allowed(d, name)) {
		d->allowed_domain++;
		return;
	}
	kind = ndr_regdomain_get(d->rd, name, &domain);
	if (kind == NDR_RD_REVERSE) {
		d->reverse++;
		return;
	}
	if (kind != NDR_RD_OK) {
		d->no_domain++;
		return;
	}

	e = entry_get(d, client, domain, t);
	if (t >= e->window_start_ns + d->cfg.window_ns)
		window_reset(e, t);
	if (t > e->last_seen_ns)
		e->last_seen_ns = t;
	memcpy(e->resolver, resolver, 16);
	e->client_port = response ? r->dst_port : r->src_port;
	e->resolver_port = response ? r->src_port : r->dst_port;
	e->proto = r->ip_proto;
	e->ipv6 = (rec->flags & NDR_REC_F_IPV6) != 0;
	add_message(d, e, r, name, response);
	evaluate(d, e, t, sink);
}

/* Entries idle for a whole window hold nothing an alert could use. */
static void dt_tick(void *det, uint64_t now_ns, const struct ndr_alert_sink *sink)
{
	struct dt *d = det;

	(void)sink;
	d->expired += ndr_lru_expire(&d->table, offsetof(struct dt_entry, last_seen_ns),
				     d->cfg.window_ns, now_ns, NULL, NULL);
}

/* The entity is the registered domain: its (client, domain) entries and its
 * alert suppression must all live on one instance. Records that will only
 * be counted (malformed, no registered domain) go by their source. */
static uint64_t dt_shard(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct dt *d = det;
	const struct ndr_dns_rec *r = (const struct ndr_dns_rec *)rec;
	char name[DT_NAME_BYTES];
	size_t off;
	uint64_t key;

	if (rec->type != NDR_REC_DNS)
		return NDR_SHARD_SKIP;
	if (rec->slots < 2 || r->qname_len > NDR_DNS_NAME_MAX ||
	    ndr_dns_rec_slots(r->qname_len) > rec->slots)
		return ndr_shard_key_addr(r->src_addr, d->shard_seed);
	memcpy(name, r->qname, r->qname_len);
	for (unsigned i = 0; i < r->qname_len; i++)   /* as dt_record() does */
		if (name[i] == '\0')
			name[i] = '?';
	if (ndr_regdomain_find(d->rd, name, r->qname_len, &off) != NDR_RD_OK)
		return ndr_shard_key_addr(r->src_addr, d->shard_seed);
	key = ndr_hash64(name + off, r->qname_len - off, d->shard_seed);
	return key == NDR_SHARD_SKIP ? 0 : key;
}

/* ------------------------------------------------------------------ */
/* life cycle */

static size_t fixed_bytes(const struct dt *d)
{
	return sizeof(*d) + d->table.index_bytes +
	       (size_t)d->supp_cap * sizeof(struct dt_supp) + d->allow_bytes +
	       (d->allow_client ? ndr_cidr_set_bytes(d->allow_client) : 0) +
	       (d->rd ? ndr_regdomain_bytes(d->rd) : 0);
}

static uint64_t stat_memory(const void *arg)
{
	const struct dt *d = arg;

	return fixed_bytes(d) + (size_t)d->table.used * d->table.stride;
}

static uint64_t stat_memory_cap(const void *arg)
{
	const struct dt *d = arg;

	return fixed_bytes(d) + d->table.slab_bytes;
}

static uint64_t stat_capacity(const void *arg)
{
	return ((const struct ndr_lru *)arg)->capacity;
}

static uint64_t stat_psl_lookups(const void *arg)
{
	return ndr_regdomain_lookups(arg);
}

static void register_stats(struct dt *d)
{
	struct ndr_stats *st = &d->stats;

	ndr_stats_counter(st, "dns_records", &d->dns_records);
	ndr_stats_counter(st, "malformed", &d->malformed);
	ndr_stats_counter(st, "not_query", &d->not_query);
	ndr_stats_counter(st, "incomplete_name", &d->incomplete_name);
	ndr_stats_counter(st, "no_registered_domain", &d->no_domain);
	ndr_stats_counter(st, "reverse_lookups", &d->reverse);
	ndr_stats_counter(st, "allowlisted_domain", &d->allowed_domain);
	ndr_stats_counter(st, "allowlisted_client", &d->allowed_client);
	ndr_stats_gauge(st, "entities", ndr_lru_stat_used, &d->table);
	ndr_stats_gauge(st, "max_entities", stat_capacity, &d->table);
	ndr_stats_counter(st, "evictions", &d->table.evictions);
	ndr_stats_counter(st, "expired", &d->expired);
	ndr_stats_counter(st, "alerts", &d->alerts);
	ndr_stats_counter(st, "alerts_suppressed", &d->alerts_suppressed);
	ndr_stats_counter(st, "alerted_domain_evictions", &d->supp_evictions);
	ndr_stats_text(st, "psl", ndr_regdomain_source(d->rd));
	ndr_stats_gauge(st, "psl_lookups", stat_psl_lookups, d->rd);
	ndr_stats_gauge(st, "memory_bytes", stat_memory, d);
	ndr_stats_gauge(st, "memory_cap_bytes", stat_memory_cap, d);
}

static const struct ndr_stats *dt_stats(const void *det)
{
	return &((const struct dt *)det)->stats;
}

static void dt_destroy(void *det)
{
	struct dt *d = det;

	if (!d)
		return;
	for (size_t i = 0; i < d->n_allow_domain; i++)
		free(d->allow_domain[i]);
	free(d->allow_domain);
	ndr_cidr_set_free(d->allow_client);
	free(d->supp);
	ndr_lru_free(&d->table);
	ndr_regdomain_close(d->rd);
	free(d);
}

static void *dt_create(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx, char *err,
		       size_t errlen)
{
	struct dt *d = calloc(1, sizeof(*d));
	size_t val_len, n;
	char why[200];

	if (!d) {
		snprintf(err, errlen, "[%s]: out of memory", DT_SECTION);
		return NULL;
	}
	if (read_config(&d->cfg, cfg, err, errlen) != 0 ||
	    read_allowlists(d, cfg, err, errlen) != 0)
		goto fail;
	d->seed = d->cfg.hash_seed ? d->cfg.hash_seed : ctx->seed;
	d->shard_seed = ctx->seed;
	d->rd = ndr_regdomain_open(err, errlen);
	if (!d->rd)
		goto fail;

	/* The caps are the sensor's: each instance holds its share. */
	n = (size_t)d->cfg.max_entities / (ctx->shards ? ctx->shards : 1);
	d->supp_cap = (uint32_t)(d->cfg.max_alerted_domains / (ctx->shards ? ctx->shards : 1));
	if (n < 16)
		n = 16;
	if (d->supp_cap < 16)
		d->supp_cap = 16;
	val_len = sizeof(struct dt_entry) + ndr_hll_reg_bytes((unsigned)d->cfg.hll_precision);
	if (ndr_lru_init(&d->table, n * ndr_lru_entry_bytes(sizeof(struct dt_key), val_len),
			 sizeof(struct dt_key), val_len, d->seed, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "[%s] max_entities %zu: %s", DT_SECTION, n, why);
		goto fail;
	}
	ndr_lru_set_key_ops(&d->table, dt_key_hash, dt_key_equal);
	/* the registers behind the entry: a new client-domain pair touches them
	 * only when its counter leaves the sparse form (ndr_hll.h) */
	ndr_lru_set_zero_len(&d->table, sizeof(struct dt_entry));
	d->supp = calloc(d->supp_cap, sizeof(struct dt_supp));
	if (!d->supp) {
		snprintf(err, errlen, "[%s] max_alerted_domains %u: out of memory", DT_SECTION,
			 d->supp_cap);
		goto fail;
	}
	register_stats(d);
	return d;
fail:
	dt_destroy(d);
	return NULL;
}

#define DT_SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

/* Sizes and the hash seed shape the tables that hold what was learned:
 * they need a restart. Every threshold and both allowlists change here. */
static int dt_reconfigure(void *det, void *fresh_det, int apply, char *err, size_t errlen)
{
	struct dt *d = det, *f = fresh_det;
	static const struct { const char *key; size_t off; } fixed[] = {
		{ "max_entities", offsetof(struct dt_config, max_entities) },
		{ "max_alerted_domains", offsetof(struct dt_config, max_alerted_domains) },
		{ "hll_precision", offsetof(struct dt_config, hll_precision) },
		{ "hash_seed", offsetof(struct dt_config, hash_seed) },
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		uint64_t was = *(const uint64_t *)((const char *)&d->cfg + fixed[i].off);
		uint64_t now = *(const uint64_t *)((const char *)&f->cfg + fixed[i].off);

		if (was != now) {
			snprintf(err, errlen, "[%s] %s: %llu -> %llu needs a restart (it sizes "
				 "the learned tables)", DT_SECTION, fixed[i].key,
				 (unsigned long long)was, (unsigned long long)now);
			return -1;
		}
	}
	if (!apply)
		return 0;
	d->cfg = f->cfg;
	DT_SWAP(d->allow_domain, f->allow_domain);
	DT_SWAP(d->n_allow_domain, f->n_allow_domain);
	DT_SWAP(d->allow_bytes, f->allow_bytes);
	DT_SWAP(d->allow_client, f->allow_client);
	return 0;
}

const struct ndr_detector_ops ndr_det_dns_tunnel = {
	.name = DT_SECTION,
	.create = dt_create,
	.shard = dt_shard,
	.record = dt_record,
	.tick = dt_tick,
	.stats = dt_stats,
	.destroy = dt_destroy,
	.reconfigure = dt_reconfigure,
};
