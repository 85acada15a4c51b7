/*
 * ndr_test_xclbin.c - write an xclbin that describes the ndr card's kernels
 * as v++ -l would (metadata only, no bitstream), for the XRT card source's
 * tests in XRT's noop emulation (tests/integration/xrt_noop.sh).
 *
 * Debian's xclbinutil cannot run (its wrapper calls a binary no package
 * ships), so the container is written here with <xrt/xclbin.h>: the axlf
 * header and the sections XRT reads to open kernels and allocate buffers,
 * EMBEDDED_METADATA (kernel XML: names, arguments, control protocol),
 * MEM_TOPOLOGY, IP_LAYOUT, CONNECTIVITY and CLOCK_FREQ_TOPOLOGY.
 *
 * The kernels are the ones hw/vitis builds and links: ndr_record_writer
 * (ap_ctrl_chain, counted auto-restart, software reset; arguments records,
 * ring, ctrl, log2_slots, init as in hw/vitis/ndr_record_writer.cpp),
 * ndr_datapath (free running, streams only) and cmac_0 (the 100G MAC
 * kernel, registers at the offsets of the CMAC register map, named as the
 * CMAC kernel's metadata names them). Options break one thing at a time, so
 * that each error path of the card source can be shown to be taken.
 *
 *   ndr-test-xclbin -o FILE [--uuid UUID] [--omit-kernel NAME]
 *                   [--writer-args N] [--ring-bank host|hbm]
 *                   [--no-autorestart] [--data-clock-mhz N]
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>
#include <xrt/xclbin.h>

#define WRITER_BASE 0x1800000ull
#define CMAC_BASE   0x1810000ull
#define MAX_SECTIONS 5
#define XML_MAX (64 * 1024)

struct opts {
	const char *out;
	const char *uuid;
	const char *omit;          /* kernel left out of the metadata and layout */
	int writer_args;           /* 1..5: the first N of the writer's arguments */
	int ring_in_hbm;
	int autorestart;
	unsigned data_clock_mhz;
};

struct section {
	uint32_t kind;
	const char *name;
	const void *data;
	size_t size;
};

/* The writer's arguments in order, as v++ reports them for the shim. */
static const char *const writer_args[5] = {
	"    <arg name=\"records\" addressQualifier=\"4\" id=\"0\" port=\"records\" size=\"0x0\" offset=\"0x0\" hostOffset=\"0x0\" hostSize=\"0x40\" type=\"stream&lt;ap_axiu&lt;512, 0, 0, 0&gt;, 0&gt;&amp;\"/>\n",
	"    <arg name=\"ring\" addressQualifier=\"1\" id=\"1\" port=\"M_AXI_HOST\" size=\"0x8\" offset=\"0x18\" hostOffset=\"0x0\" hostSize=\"0x8\" type=\"unsigned char*\"/>\n",
	"    <arg name=\"ctrl\" addressQualifier=\"1\" id=\"2\" port=\"M_AXI_HOST\" size=\"0x8\" offset=\"0x24\" hostOffset=\"0x0\" hostSize=\"0x8\" type=\"ndr_ring_ctrl*\"/>\n",
	"    <arg name=\"log2_slots\" addressQualifier=\"0\" id=\"3\" port=\"S_AXI_CONTROL\" size=\"0x4\" offset=\"0x30\" hostOffset=\"0x0\" hostSize=\"0x4\" type=\"unsigned int\"/>\n",
	"    <arg name=\"init\" addressQualifier=\"0\" id=\"4\" port=\"S_AXI_CONTROL\" size=\"0x4\" offset=\"0x38\" hostOffset=\"0x0\" hostSize=\"0x4\" type=\"unsigned int\"/>\n",
};

/* CMAC registers the card source uses (PG203 register map offsets). */
static const struct { const char *name; unsigned offset, size; } cmac_regs[] = {
	{ "reset_reg", 0x0004, 4 },
	{ "conf_tx", 0x000c, 4 },
	{ "conf_rx", 0x0014, 4 },
	{ "stat_tx_status", 0x0200, 4 },
	{ "stat_rx_status", 0x0204, 4 },
	{ "stat_pm_tick", 0x02b0, 4 },
	{ "stat_rx_total_packets", 0x0608, 8 },
	{ "stat_rx_total_good_packets", 0x0610, 8 },
	{ "stat_rx_total_bytes", 0x0618, 8 },
	{ "stat_rx_total_bad_fcs", 0x06c0, 8 },
	{ "rsfec_config_ind_corr", 0x1000, 4 },
	{ "rsfec_config_enable", 0x107c, 4 },
};

static int appendf(char *buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int appendf(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, XML_MAX - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= XML_MAX - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

static int omitted(const struct opts *o, const char *kernel)
{
	return o->omit && strcmp(o->omit, kernel) == 0;
}

static int build_xml(const struct opts *o, char *xml, size_t *len)
{
	int rc = 0;

	*len = 0;
	rc |= appendf(xml, len,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<project name=\"ndr_hw\">\n"
		" <platform vendor=\"xilinx\" boardid=\"u55c\" name=\"gen3x16_xdma_3\" featureRomTime=\"0\">\n"
		"  <version major=\"202210\" minor=\"1\"/>\n"
		"  <description/>\n"
		"  <board name=\"xilinx.com:au55c:1.0\" vendor=\"xilinx.com\" fpgaDevice=\"virtexuplushbm:xcu55c:fsvh2892:-2L:e\"/>\n"
		"  <build_flow/>\n"
		"  <host architecture=\"x86_64\"/>\n"
		"  <device name=\"fpga0\" fpgaDevice=\"virtexuplushbm:xcu55c:fsvh2892:-2L:e\" addrWidth=\"0\">\n"
		"   <core name=\"OCL_REGION_0\" target=\"bitstream\" type=\"clc_region\" clockFreq=\"0MHz\" numComputeUnits=\"3\">\n"
		"    <kernelClocks>\n"
		"     <clock port=\"DATA_CLK\" frequency=\"%uMHz\"/>\n"
		"     <clock port=\"KERNEL_CLK\" frequency=\"500MHz\"/>\n"
		"    </kernelClocks>\n", o->data_clock_mhz);
	if (!omitted(o, "ndr_record_writer")) {
		rc |= appendf(xml, len,
			"    <kernel name=\"ndr_record_writer\" language=\"c\" vlnv=\"xilinx.com:hls:ndr_record_writer:1.0\" attributes=\"\" preferredWorkGroupSizeMultiple=\"0\" workGroupSize=\"1\" debug=\"false\" interrupt=\"true\" hwControlProtocol=\"ap_ctrl_chain\"%s>\n"
			"    <port name=\"M_AXI_HOST\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" dataWidth=\"512\" portType=\"addressable\" base=\"0x0\"/>\n"
			"    <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x1000\" dataWidth=\"32\" portType=\"addressable\" base=\"0x0\"/>\n"
			"    <port name=\"records\" mode=\"read_only\" dataWidth=\"512\" portType=\"stream\"/>\n",
			o->autorestart ? " countedAutoRestart=\"1\" swReset=\"true\"" : "");
		for (int i = 0; i < o->writer_args; i++)
			rc |= appendf(xml, len, "%s", writer_args[i]);
		rc |= appendf(xml, len,
			"    <instance name=\"ndr_record_writer_1\">\n"
			"     <addrRemap base=\"0x%llx\" range=\"0x10000\" port=\"S_AXI_CONTROL\"/>\n"
			"    </instance>\n"
			"   </kernel>\n", WRITER_BASE);
	}
	if (!omitted(o, "ndr_datapath"))
		rc |= appendf(xml, len,
			"   <kernel name=\"ndr_datapath\" language=\"c\" vlnv=\"xilinx.com:hls:ndr_datapath:1.0\" attributes=\"\" preferredWorkGroupSizeMultiple=\"0\" workGroupSize=\"1\" debug=\"false\" interrupt=\"false\" hwControlProtocol=\"ap_ctrl_none\">\n"
			"    <port name=\"rx\" mode=\"read_only\" dataWidth=\"512\" portType=\"stream\"/>\n"
			"    <port name=\"records\" mode=\"write_only\" dataWidth=\"512\" portType=\"stream\"/>\n"
			"    <arg name=\"rx\" addressQualifier=\"4\" id=\"0\" port=\"rx\" size=\"0x0\" offset=\"0x0\" hostOffset=\"0x0\" hostSize=\"0x40\" type=\"stream&lt;ap_axiu&lt;512, 0, 0, 0&gt;, 0&gt;&amp;\"/>\n"
			"    <arg name=\"records\" addressQualifier=\"4\" id=\"1\" port=\"records\" size=\"0x0\" offset=\"0x0\" hostOffset=\"0x0\" hostSize=\"0x40\" type=\"stream&lt;ap_axiu&lt;512, 0, 0, 0&gt;, 0&gt;&amp;\"/>\n"
			"    <instance name=\"ndr_datapath_1\"/>\n"
			"   </kernel>\n");
	if (!omitted(o, "cmac_0")) {
		rc |= appendf(xml, len,
			"   <kernel name=\"cmac_0\" language=\"ip_c\" vlnv=\"xilinx.com:kernel:cmac_0:1.0\" attributes=\"\" preferredWorkGroupSizeMultiple=\"0\" workGroupSize=\"1\" interrupt=\"false\" hwControlProtocol=\"ap_ctrl_none\">\n"
			"    <port name=\"S_AXILITE\" mode=\"slave\" range=\"0x2000\" dataWidth=\"32\" portType=\"addressable\" base=\"0x0\"/>\n"
			"    <port name=\"M_AXIS\" mode=\"write_only\" dataWidth=\"512\" portType=\"stream\"/>\n");
		for (size_t i = 0; i < sizeof(cmac_regs) / sizeof(cmac_regs[0]); i++)
			rc |= appendf(xml, len,
				"    <arg name=\"%s\" addressQualifier=\"0\" id=\"%zu\" port=\"S_AXILITE\" size=\"0x%x\" offset=\"0x%x\" hostOffset=\"0x0\" hostSize=\"0x%x\" type=\"uint\"/>\n",
				cmac_regs[i].name, i, cmac_regs[i].size, cmac_regs[i].offset,
				cmac_regs[i].size);
		rc |= appendf(xml, len,
			"    <arg name=\"M_AXIS\" addressQualifier=\"4\" id=\"%zu\" port=\"M_AXIS\" size=\"0x0\" offset=\"0x0\" hostOffset=\"0x0\" hostSize=\"0x0\" type=\"stream&lt;ap_axiu&lt;512,0,0,0&gt;&gt;&amp;\"/>\n"
			"    <instance name=\"cmac_0\">\n"
			"     <addrRemap base=\"0x%llx\" range=\"0x2000\" port=\"S_AXILITE\"/>\n"
			"    </instance>\n"
			"   </kernel>\n", sizeof(cmac_regs) / sizeof(cmac_regs[0]), CMAC_BASE);
	}
	rc |= appendf(xml, len,
		"   </core>\n"
		"  </device>\n"
		" </platform>\n"
		"</project>\n");
	return rc;
}

/* IP_LAYOUT: the compute units, sorted by base address; the free-running
 * data path has no control port (base ~0). */
static size_t build_ip_layout(const struct opts *o, struct ip_layout **out)
{
	struct ip_data ips[3];
	int n = 0;
	size_t size;

	memset(ips, 0, sizeof(ips));
	if (!omitted(o, "ndr_record_writer")) {
		ips[n].m_type = IP_KERNEL;
		ips[n].properties = (AP_CTRL_CHAIN << IP_CONTROL_SHIFT) | IP_INT_ENABLE_MASK;
		ips[n].m_base_address = WRITER_BASE;
		snprintf((char *)ips[n].m_name, sizeof(ips[n].m_name), "ndr_record_writer:ndr_record_writer_1");
		n++;
	}
	if (!omitted(o, "cmac_0")) {
		ips[n].m_type = IP_KERNEL;
		ips[n].properties = AP_CTRL_NONE << IP_CONTROL_SHIFT;
		ips[n].m_base_address = CMAC_BASE;
		snprintf((char *)ips[n].m_name, sizeof(ips[n].m_name), "cmac_0:cmac_0");
		n++;
	}
	if (!omitted(o, "ndr_datapath")) {
		ips[n].m_type = IP_KERNEL;
		ips[n].properties = AP_CTRL_NONE << IP_CONTROL_SHIFT;
		ips[n].m_base_address = ~0ull;
		snprintf((char *)ips[n].m_name, sizeof(ips[n].m_name), "ndr_datapath:ndr_datapath_1");
		n++;
	}
	size = offsetof(struct ip_layout, m_ip_data) + (size_t)(n ? n : 1) * sizeof(struct ip_data);
	*out = calloc(1, size);
	if (!*out)
		return 0;
	(*out)->m_count = n;
	memcpy((*out)->m_ip_data, ips, (size_t)n * sizeof(struct ip_data));
	return size;
}

/* Sections end in a one-element array that really holds m_count: they are
 * built in plain allocations of the real size. */
static size_t build_mem_topology(struct mem_topology **out)
{
	size_t size = offsetof(struct mem_topology, m_mem_data) + 2 * sizeof(struct mem_data);
	struct mem_topology *m = calloc(1, size);

	*out = m;
	if (!m)
		return 0;
	m->m_count = 2;
	/* [0] host memory through the shell's host-memory path, [1] an HBM
	 * pseudo-channel: the link config puts ring and ctrl on [0]. */
	m->m_mem_data[0].m_type = MEM_HOST;
	m->m_mem_data[0].m_used = 1;
	m->m_mem_data[0].m_size = 1024 * 1024;        /* KB */
	m->m_mem_data[0].m_base_address = 0x2000000000ull;
	snprintf((char *)m->m_mem_data[0].m_tag, sizeof(m->m_mem_data[0].m_tag), "HOST[0]");
	m->m_mem_data[1].m_type = MEM_DRAM;
	m->m_mem_data[1].m_used = 1;
	m->m_mem_data[1].m_size = 256 * 1024;
	m->m_mem_data[1].m_base_address = 0;
	snprintf((char *)m->m_mem_data[1].m_tag, sizeof(m->m_mem_data[1].m_tag), "HBM[0]");
	return size;
}

/* Both memory arguments of the writer (ring = 1, ctrl = 2) on one bank. */
static size_t build_connectivity(const struct opts *o, struct connectivity **out)
{
	size_t size = offsetof(struct connectivity, m_connection) + 2 * sizeof(struct connection);
	struct connectivity *c = calloc(1, size);

	*out = c;
	if (!c)
		return 0;
	if (!omitted(o, "ndr_record_writer") && o->writer_args >= 3) {
		c->m_count = 2;
		c->m_connection[0].arg_index = 1;
		c->m_connection[0].m_ip_layout_index = 0;
		c->m_connection[0].mem_data_index = o->ring_in_hbm ? 1 : 0;
		c->m_connection[1].arg_index = 2;
		c->m_connection[1].m_ip_layout_index = 0;
		c->m_connection[1].mem_data_index = 0;
	}
	return size;
}

static int write_all(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int write_xclbin(const struct opts *o)
{
	static char xml[XML_MAX];
	struct mem_topology *mem = NULL;
	struct connectivity *conn = NULL;
	size_t mem_size, conn_size;
	struct clock_freq_topology clk;
	struct ip_layout *ipl = NULL;
	struct section sec[MAX_SECTIONS];
	size_t xml_len, ipl_size, hdr_size, off;
	struct axlf top;
	uuid_t uuid;
	FILE *f = NULL;
	int nsec = 0, rc = -1;
	static const char zeros[8];

	if (build_xml(o, xml, &xml_len)) {
		fprintf(stderr, "ndr-test-xclbin: metadata larger than %d bytes\n", XML_MAX);
		return -1;
	}
	ipl_size = build_ip_layout(o, &ipl);
	mem_size = build_mem_topology(&mem);
	conn_size = build_connectivity(o, &conn);
	if (!ipl_size || !mem_size || !conn_size) {
		fprintf(stderr, "ndr-test-xclbin: out of memory\n");
		goto out;
	}
	memset(&clk, 0, sizeof(clk));
	clk.m_count = 1;
	clk.m_clock_freq[0].m_freq_Mhz = (uint16_t)o->data_clock_mhz;
	clk.m_clock_freq[0].m_type = CT_DATA;
	snprintf(clk.m_clock_freq[0].m_name, sizeof(clk.m_clock_freq[0].m_name), "DATA_CLK");

	sec[nsec++] = (struct section){ EMBEDDED_METADATA, "runtime_data", xml, xml_len };
	sec[nsec++] = (struct section){ MEM_TOPOLOGY, "mem_topology", mem, mem_size };
	sec[nsec++] = (struct section){ IP_LAYOUT, "ip_layout", ipl, ipl_size };
	sec[nsec++] = (struct section){ CONNECTIVITY, "connectivity", conn, conn_size };
	sec[nsec++] = (struct section){ CLOCK_FREQ_TOPOLOGY, "clock_freq", &clk, sizeof(clk) };

	memset(&top, 0, sizeof(top));
	memcpy(top.m_magic, "xclbin2", 8);
	top.m_signature_length = -1;
	memset(top.reserved, 0xff, sizeof(top.reserved));
	memset(top.m_keyBlock, 0xff, sizeof(top.m_keyBlock));
	top.m_uniqueId = (uint64_t)time(NULL);
	top.m_header.m_timeStamp = (uint64_t)time(NULL);
	top.m_header.m_versionMajor = 2;
	top.m_header.m_versionMinor = 13;
	top.m_header.m_mode = XCLBIN_FLAT;
	snprintf((char *)top.m_header.m_platformVBNV, sizeof(top.m_header.m_platformVBNV),
		 "xilinx_u55c_gen3x16_xdma_3_202210_1");
	if (o->uuid) {
		if (uuid_parse(o->uuid, uuid) != 0) {
			fprintf(stderr, "ndr-test-xclbin: --uuid %s: not a UUID\n", o->uuid);
			goto out;
		}
	} else {
		uuid_generate(uuid);
	}
	memcpy(top.m_header.uuid, uuid, sizeof(uuid_t));
	top.m_header.m_numSections = (uint32_t)nsec;

	/* Header with its section table, then each section 8-byte aligned. */
	hdr_size = offsetof(struct axlf, m_sections) + (size_t)nsec * sizeof(struct axlf_section_header);
	off = hdr_size;
	struct axlf_section_header sh[MAX_SECTIONS];
	memset(sh, 0, sizeof(sh));
	for (int i = 0; i < nsec; i++) {
		off = (off + 7u) & ~(size_t)7u;
		sh[i].m_sectionKind = sec[i].kind;
		snprintf(sh[i].m_sectionName, sizeof(sh[i].m_sectionName), "%s", sec[i].name);
		sh[i].m_sectionOffset = off;
		sh[i].m_sectionSize = sec[i].size;
		off += sec[i].size;
	}
	top.m_header.m_length = off;

	f = fopen(o->out, "wb");
	if (!f) {
		fprintf(stderr, "ndr-test-xclbin: %s: %s\n", o->out, strerror(errno));
		goto out;
	}
	if (write_all(f, &top, offsetof(struct axlf, m_sections)) ||
	    write_all(f, sh, (size_t)nsec * sizeof(sh[0])))
		goto io;
	off = hdr_size;
	for (int i = 0; i < nsec; i++) {
		size_t pad = (size_t)(sh[i].m_sectionOffset - off);

		if (write_all(f, zeros, pad) || write_all(f, sec[i].data, sec[i].size))
			goto io;
		off = sh[i].m_sectionOffset + sec[i].size;
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto io;
	}
	f = NULL;
	rc = 0;
	goto out;
io:
	fprintf(stderr, "ndr-test-xclbin: %s: write failed: %s\n", o->out, strerror(errno));
out:
	if (f)
		fclose(f);
	free(ipl);
	free(mem);
	free(conn);
	return rc;
}

static void usage(FILE *out)
{
	fputs("Usage: ndr-test-xclbin -o FILE [--uuid UUID] [--omit-kernel NAME]\n"
	      "                       [--writer-args N] [--ring-bank host|hbm]\n"
	      "                       [--no-autorestart] [--data-clock-mhz N]\n", out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "uuid", required_argument, NULL, 'u' },
		{ "omit-kernel", required_argument, NULL, 'k' },
		{ "writer-args", required_argument, NULL, 'a' },
		{ "ring-bank", required_argument, NULL, 'b' },
		{ "no-autorestart", no_argument, NULL, 'R' },
		{ "data-clock-mhz", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .writer_args = 5, .autorestart = 1, .data_clock_mhz = 322 };
	int c;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'u': o.uuid = optarg; break;
		case 'k': o.omit = optarg; break;
		case 'a':
			o.writer_args = atoi(optarg);
			if (o.writer_args < 1 || o.writer_args > 5) {
				fprintf(stderr, "ndr-test-xclbin: --writer-args: 1..5\n");
				return 2;
			}
			break;
		case 'b':
			if (strcmp(optarg, "hbm") && strcmp(optarg, "host")) {
				fprintf(stderr, "ndr-test-xclbin: --ring-bank: host or hbm\n");
				return 2;
			}
			o.ring_in_hbm = strcmp(optarg, "hbm") == 0;
			break;
		case 'R': o.autorestart = 0; break;
		case 'c':
			o.data_clock_mhz = (unsigned)atoi(optarg);
			if (o.data_clock_mhz < 10 || o.data_clock_mhz > 1000) {
				fprintf(stderr, "ndr-test-xclbin: --data-clock-mhz: 10..1000\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.out || optind != argc) {
		usage(stderr);
		return 2;
	}
	return write_xclbin(&o) ? 1 : 0;
}
