/*
 * capture.c - frames from a pcap/pcapng file or a live interface through
 * libpcap, converted to Ethernet as docs/dataplane.md "Input" says.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#include "ndr_capture.h"

#define ETH_HDR_LEN   14u
#define LIVE_SNAPLEN  65535
#define CONV_BUF_LEN  (ETH_HDR_LEN + 262144u)  /* libpcap's largest snaplen */

#define REOPEN_FIRST_MS  250
#define REOPEN_MAX_MS    30000

struct ndr_capture {
	pcap_t *pcap;                /* NULL while a live interface is away */
	char *name;                  /* file path or interface, for messages */
	int live;
	char *filter;                /* BPF filter text, NULL: none */
	uint64_t buffer_bytes;       /* live */
	struct bpf_program prog;     /* a file's filter, run here to count */
	int have_prog;
	/* live: the interface went away; retry at next_try with backoff */
	double down_since, next_try;
	unsigned backoff_ms;
	int fanout;                  /* the PACKET_FANOUT value to rejoin, 0: none */
	uint64_t drops_before;       /* kernel drops of handles closed since */
	int link_down;               /* live: the link is down (the handle stays) */
	double next_link_check;
	int linktype;
	int nano;                    /* timestamps are in ns (else us) */
	uint64_t last_ts_ns;         /* of the last frame delivered */
	volatile sig_atomic_t stopped;
	struct ndr_capture_stats stats;
	uint8_t *conv;               /* synthetic Ethernet frames */
};

static int linktype_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	default:
		return 0;
	}
}

/* Report "name: msg", without doubling the name when libpcap already put it in. */
static void set_err(char *err, size_t errlen, const char *name, const char *msg)
{
	size_t n = strlen(name);

	if (strncmp(msg, name, n) == 0 && msg[n] == ':')
		snprintf(err, errlen, "%s", msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
}

static struct ndr_capture *capture_alloc(const char *name, char *err, size_t errlen)
{
	struct ndr_capture *cap = calloc(1, sizeof(*cap));

	if (cap) {
		cap->name = strdup(name);
		cap->conv = malloc(CONV_BUF_LEN);
	}
	if (!cap || !cap->name || !cap->conv) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (cap) {
			free(cap->name);
			free(cap->conv);
			free(cap);
		}
		return NULL;
	}
	memset(cap->conv, 0, ETH_HDR_LEN);
	return cap;
}

static int keep_opts(struct ndr_capture *cap, const struct ndr_capture_opts *o, char *err,
		     size_t errlen)
{
	if (!o)
		return 0;
	cap->buffer_bytes = o->buffer_bytes;
	if (o->filter && o->filter[0] && !(cap->filter = strdup(o->filter))) {
		snprintf(err, errlen, "%s: out of memory", cap->name);
		return -1;
	}
	return 0;
}

/* The filter compiled for this handle's link type; a file's is kept to be
 * run per frame (so what it leaves out is counted), a live one goes to the
 * kernel. */
static int apply_filter(struct ndr_capture *cap, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (!cap->filter)
		return 0;
	if (pcap_compile(cap->pcap, &prog, cap->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s: filter '%s': %s", cap->name, cap->filter,
			 pcap_geterr(cap->pcap));
		return -1;
	}
	if (!cap->live) {
		cap->prog = prog;
		cap->have_prog = 1;
		return 0;
	}
	if (pcap_setfilter(cap->pcap, &prog) != 0) {
		snprintf(err, errlen, "%s: filter '%s': %s", cap->name, cap->filter,
			 pcap_geterr(cap->pcap));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

struct ndr_capture *ndr_capture_open_file(const char *path, char *err, size_t errlen)
{
	return ndr_capture_open_file_opts(path, NULL, err, errlen);
}

struct ndr_capture *ndr_capture_open_file_opts(const char *path, const struct ndr_capture_opts *o,
					       char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct ndr_capture *cap = capture_alloc(path, err, errlen);

	if (!cap)
		return NULL;
	if (keep_opts(cap, o, err, errlen)) {
		ndr_capture_close(cap);
		return NULL;
	}
	cap->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!cap->pcap) {
		set_err(err, errlen, path, ebuf);
		ndr_capture_close(cap);
		return NULL;
	}
	cap->nano = pcap_get_tstamp_precision(cap->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	cap->linktype = pcap_datalink(cap->pcap);
	if (apply_filter(cap, err, errlen)) {
		ndr_capture_close(cap);
		return NULL;
	}
	return cap;
}

/* Opens cap->name live into cap->pcap: 0, or -1 with err (cap->pcap NULL). */
static int activate_live(struct ndr_capture *cap, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	const char *iface = cap->name;
	int rc;

	cap->pcap = pcap_create(iface, ebuf);
	if (!cap->pcap) {
		set_err(err, errlen, iface, ebuf);
		goto fail;
	}
	if (pcap_set_snaplen(cap->pcap, LIVE_SNAPLEN) != 0 ||
	    pcap_set_promisc(cap->pcap, 1) != 0 ||
	    pcap_set_immediate_mode(cap->pcap, 1) != 0 ||
	    (cap->buffer_bytes &&
	     pcap_set_buffer_size(cap->pcap, (int)(cap->buffer_bytes > 0x7fffffff ? 0x7fffffff
						     : cap->buffer_bytes)) != 0)) {
		set_err(err, errlen, iface, pcap_geterr(cap->pcap));
		goto fail;
	}
	/* Nanosecond stamps where the platform has them; else microseconds. */
	(void)pcap_set_tstamp_precision(cap->pcap, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(cap->pcap);
	if (rc < 0) {
		const char *why = rc == PCAP_ERROR ? pcap_geterr(cap->pcap) : pcap_statustostr(rc);

		snprintf(err, errlen, "%s: cannot capture: %s", iface, why);
		goto fail;
	}
	if (pcap_setnonblock(cap->pcap, 1, ebuf) != 0) {
		set_err(err, errlen, iface, ebuf);
		goto fail;
	}
	cap->nano = pcap_get_tstamp_precision(cap->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	cap->linktype = pcap_datalink(cap->pcap);
	if (!linktype_supported(cap->linktype)) {
		snprintf(err, errlen, "%s: link type %d (%s) is not supported", iface,
			 cap->linktype, pcap_datalink_val_to_name(cap->linktype) ?
				 pcap_datalink_val_to_name(cap->linktype) : "unknown");
		goto fail;
	}
	if (apply_filter(cap, err, errlen))
		goto fail;
	if (cap->fanout) {
		int fd = pcap_fileno(cap->pcap);

		if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &cap->fanout,
					 sizeof(cap->fanout)) != 0) {
			snprintf(err, errlen, "%s: cannot rejoin packet fanout group %d: %s", iface,
				 cap->fanout & 0xffff, fd < 0 ? "no socket" : strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	if (cap->pcap)
		pcap_close(cap->pcap);
	cap->pcap = NULL;
	return -1;
}

struct ndr_capture *ndr_capture_open_live(const char *iface, char *err, size_t errlen)
{
	return ndr_capture_open_live_opts(iface, NULL, err, errlen);
}

struct ndr_capture *ndr_capture_open_live_opts(const char *iface, const struct ndr_capture_opts *o,
					       char *err, size_t errlen)
{
	struct ndr_capture *cap = capture_alloc(iface, err, errlen);

	if (!cap)
		return NULL;
	cap->live = 1;
	if (keep_opts(cap, o, err, errlen) || activate_live(cap, err, errlen)) {
		ndr_capture_close(cap);
		return NULL;
	}
	return cap;
}

int ndr_capture_fanout(struct ndr_capture *cap, uint16_t group, char *err, size_t errlen)
{
	/* the kernel's flow hash, made symmetric by the flow dissector, on
	 * reassembled fragments: each flow whole on one member */
	int v = (int)group | (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16;
	int fd;

	if (!cap->live) {
		snprintf(err, errlen, "%s: fanout is for live capture", cap->name);
		return -1;
	}
	fd = cap->pcap ? pcap_fileno(cap->pcap) : -1;
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof(v)) != 0) {
		snprintf(err, errlen, "%s: cannot join packet fanout group %u: %s", cap->name,
			 (unsigned)group, fd < 0 ? "no socket" : strerror(errno));
		return -1;
	}
	cap->fanout = v;     /* rejoined when the interface comes back */
	return 0;
}

static uint16_t ethertype_from_version(const uint8_t *ip, uint32_t len)
{
	/* Anything not IPv6 is presented as IPv4: the card's parser then
	 * counts a bad version as a parse error. */
	return (len > 0 && (ip[0] >> 4) == 6) ? 0x86dd : 0x0800;
}

/* DLT_NULL stores the address family in the capturing host's byte order,
 * DLT_LOOP in network order. AF_INET6 differs between systems. */
static uint16_t ethertype_from_family(int dlt, const uint8_t *h, const uint8_t *ip, uint32_t iplen)
{
	uint32_t be = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	uint32_t le = (uint32_t)h[3] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[1] << 8 | h[0];
	uint32_t fam = (dlt == DLT_NULL && le < 256) ? le : be;

	if (fam == 2)
		return 0x0800;
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return 0x86dd;
	return ethertype_from_version(ip, iplen);
}

/*
 * Turns a captured link-layer frame into the Ethernet frame in *f. A frame
 * shorter than its link header is
 * delivered as an Ethernet header with EtherType 0 (the card counts it
 * non-IP).
 */
static void to_ethernet(struct ndr_capture *cap, const struct pcap_pkthdr *h,
			const uint8_t *data, struct ndr_frame *f)
{
	uint32_t hdr = 0, caplen = h->caplen, body;
	uint16_t et = 0;
	int known = 1;

	switch (cap->linktype) {
	case DLT_EN10MB:
		f->data = data;
		f->caplen = caplen;
		/* a corrupt record may say it captured more than the wire had */
		f->wirelen = h->len > caplen ? h->len : caplen;
		return;
	case DLT_LINUX_SLL:
		hdr = 16;
		known = caplen >= hdr;
		if (known)
			et = (uint16_t)(data[14] << 8 | data[15]);
		break;
	case DLT_LINUX_SLL2:
		hdr = 20;
		known = caplen >= hdr;
		if (known)
			et = (uint16_t)(data[0] << 8 | data[1]);
		break;
	case DLT_RAW:
		hdr = 0;
		et = ethertype_from_version(data, caplen);
		break;
	case DLT_IPV4:
		et = 0x0800;
		break;
	case DLT_IPV6:
		et = 0x86dd;
		break;
	default: /* DLT_NULL, DLT_LOOP */
		hdr = 4;
		known = caplen >= hdr;
		if (known)
			et = ethertype_from_family(cap->linktype, data, data + 4, caplen - 4);
		break;
	}
	if (!known)
		hdr = caplen;
	body = caplen - hdr;
	if (body > CONV_BUF_LEN - ETH_HDR_LEN)
		body = CONV_BUF_LEN - ETH_HDR_LEN;
	cap->conv[12] = (uint8_t)(et >> 8);
	cap->conv[13] = (uint8_t)et;
	memcpy(cap->conv + ETH_HDR_LEN, data + hdr, body);
	f->data = cap->conv;
	f->caplen = ETH_HDR_LEN + body;
	f->wirelen = (h->len >= hdr ? h->len - hdr : 0) + ETH_HDR_LEN;
	if (f->wirelen < f->caplen)
		f->wirelen = f->caplen;
}

/* Waits until the live capture's descriptor is readable, or the timeout. */
static void wait_readable(struct ndr_capture *cap, int timeout_ms)
{
	struct pollfd pfd;

	pfd.fd = pcap_get_selectable_fd(cap->pcap);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return;
	(void)poll(&pfd, 1, timeout_ms);   /* EINTR: the caller re-checks 'stopped' */
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A live interface went down or away: close, count, say so, retry later. */
static void went_away(struct ndr_capture *cap, const char *why)
{
	struct pcap_stat ps;

	/* the handle's drops go with it: keep them */
	if (pcap_stats(cap->pcap, &ps) == 0)
		cap->drops_before += ps.ps_drop;
	pcap_close(cap->pcap);
	cap->pcap = NULL;
	cap->stats.down++;
	cap->down_since = mono_s();
	cap->backoff_ms = REOPEN_FIRST_MS;
	cap->next_try = cap->down_since + REOPEN_FIRST_MS / 1000.0;
	fprintf(stderr, "ndr: %s: capture lost (%s); waiting for the interface, retrying "
		"with backoff up to %u s\n", cap->name, why, REOPEN_MAX_MS / 1000);
}

/* While away: one reopen attempt when due, else a sleep of up to timeout_ms
 * (never a busy loop). 1 when capturing again. */
static int try_reopen(struct ndr_capture *cap, int timeout_ms)
{
	char why[PCAP_ERRBUF_SIZE + 256];
	double now = mono_s();

	if (now < cap->next_try) {
		double wait_s = cap->next_try - now;
		struct timespec ts;

		if (wait_s > timeout_ms / 1000.0)
			wait_s = timeout_ms / 1000.0;
		ts.tv_sec = (time_t)wait_s;
		ts.tv_nsec = (long)((wait_s - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);     /* EINTR: the caller re-checks */
		return 0;
	}
	if (activate_live(cap, why, sizeof(why)) != 0) {
		cap->backoff_ms = cap->backoff_ms * 2 > REOPEN_MAX_MS ? REOPEN_MAX_MS
								 : cap->backoff_ms * 2;
		cap->next_try = now + cap->backoff_ms / 1000.0;
		return 0;
	}
	cap->stats.reopens++;
	fprintf(stderr, "ndr: %s: capturing again after %.1f s away\n", cap->name,
		now - cap->down_since);
	return 1;
}

/* A quiet live capture may be a link that went down: libpcap says nothing
 * (the socket stays bound and gets frames again when it comes back), so
 * the flags are read once a second and the change said and counted. */
static void check_link(struct ndr_capture *cap)
{
	struct ifreq ifr;
	double now = mono_s();
	int fd = pcap_fileno(cap->pcap), down;

	if (now < cap->next_link_check || fd < 0)
		return;
	cap->next_link_check = now + 1.0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cap->name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		return;        /* gone: libpcap reports that itself */
	down = !(ifr.ifr_flags & IFF_UP) || !(ifr.ifr_flags & IFF_RUNNING);
	if (down && !cap->link_down) {
		cap->stats.down++;
		cap->down_since = now;
		fprintf(stderr, "ndr: %s: link down; waiting for it to come back\n", cap->name);
	} else if (!down && cap->link_down) {
		fprintf(stderr, "ndr: %s: link up again after %.1f s\n", cap->name,
			now - cap->down_since);
	}
	cap->link_down = down;
}

/* libpcap's words for an interface that went down or was removed. */
static int interface_gone(const char *msg)
{
	return strstr(msg, "went down") || strstr(msg, "disappeared") ||
	       strstr(msg, "No such device") || strstr(msg, "Network is down") ||
	       strstr(msg, "ENETDOWN") || strstr(msg, "ENODEV");
}

/* The frame's time in ns since the epoch; an impossible one (see
 * ndr_capture.h, bad_time) is counted and replaced by the last good time. */
static uint64_t frame_time(struct ndr_capture *cap, const struct timeval *tv)
{
	long long sec = tv->tv_sec, frac = tv->tv_usec;
	long long frac_max = cap->nano ? 1000000000ll : 1000000ll;

	if (sec < 0 || sec >= NDR_CAPTURE_MAX_TIME_S || frac < 0 || frac >= frac_max) {
		if (!cap->stats.bad_time++) {
			cap->stats.bad_time_first_frame = cap->stats.frames + cap->stats.unsupported +
							  cap->stats.filtered;
			cap->stats.bad_time_first_sec = sec;
			cap->stats.bad_time_first_frac = frac;
		}
		return cap->last_ts_ns;
	}
	cap->last_ts_ns = (uint64_t)sec * 1000000000ull + (uint64_t)frac * (cap->nano ? 1u : 1000u);
	return cap->last_ts_ns;
}

int ndr_capture_next(struct ndr_capture *cap, struct ndr_frame *f, int timeout_ms,
		     char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc, waited = 0;

	for (;;) {
		if (cap->stopped)
			return 0;
		if (!cap->pcap) {
			if (!try_reopen(cap, timeout_ms))
				return 2;
			continue;
		}
		rc = pcap_next_ex(cap->pcap, &h, &data);
		if (rc == 1) {
			if (cap->have_prog && !pcap_offline_filter(&cap->prog, h, data)) {
				cap->stats.filtered++;
				continue;
			}
			if (!linktype_supported(cap->linktype)) {
				cap->stats.unsupported++;
				cap->stats.unsupported_linktype = cap->linktype;
				continue;
			}
			to_ethernet(cap, h, data, f);
			cap->stats.frames++;
			f->ts_ns = frame_time(cap, &h->ts);
			return 1;
		}
		if (rc == 0) {          /* live only: nothing ready */
			check_link(cap);
			if (waited)
				return 2;
			wait_readable(cap, timeout_ms);
			waited = 1;
			continue;
		}
		if (rc == PCAP_ERROR_BREAK)
			return 0;       /* end of file, or pcap_breakloop */
		/* libpcap says "truncated dump file" (pcap) or "truncated pcapng
		 * dump file": the frames before it were delivered. */
		if (!cap->live && strstr(pcap_geterr(cap->pcap), "truncated")) {
			cap->stats.truncated = 1;
			return 0;
		}
		if (cap->live && interface_gone(pcap_geterr(cap->pcap))) {
			went_away(cap, pcap_geterr(cap->pcap));
			continue;
		}
		set_err(err, errlen, cap->name, pcap_geterr(cap->pcap));
		return -1;
	}
}

void ndr_capture_break(struct ndr_capture *cap)
{
	cap->stopped = 1;
	if (cap->pcap)
		pcap_breakloop(cap->pcap);
}

void ndr_capture_get_stats(const struct ndr_capture *cap, struct ndr_capture_stats *st)
{
	*st = cap->stats;
	st->kernel_drops = cap->drops_before;
	if (cap->live && cap->pcap) {
		struct pcap_stat ps;

		if (pcap_stats(cap->pcap, &ps) == 0)
			st->kernel_drops += ps.ps_drop;
	}
}

int ndr_capture_is_live(const struct ndr_capture *cap)
{
	return cap->live;
}

void ndr_capture_close(struct ndr_capture *cap)
{
	if (!cap)
		return;
	if (cap->pcap)
		pcap_close(cap->pcap);
	if (cap->have_prog)
		pcap_freecode(&cap->prog);
	free(cap->filter);
	free(cap->name);
	free(cap->conv);
	free(cap);
}
