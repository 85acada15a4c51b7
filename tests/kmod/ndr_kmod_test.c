/*
 * ndr_kmod_test.c - guest-side checks of /dev/ndrN that need C: bad ioctls,
 * mmap limits, several readers, unplug while open, unload while held.
 * Runs inside the QEMU guest (tests/kmod/init.sh); prints one
 * "PASS: what" or "FAIL: what" line per check and exits 1 on any failure.
 *
 *   ndr-kmod-test ioctl DEV         bad ioctls are refused
 *   ndr-kmod-test mmap DEV          mmap limits
 *   ndr-kmod-test readers DEV       two readers at once
 *   ndr-kmod-test start DEV         start the card and leave it running
 *   ndr-kmod-test counters DEV      print the counters
 *   ndr-kmod-test unplug DEV PCIDEV remove the PCI device while open
 *   ndr-kmod-test hold DEV MODULE   unload refused while open or mapped
 *   ndr-kmod-test storm DEV N       N random ioctls and mmaps (no START)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ndr_uapi.h"

static int failures;

static void check(int ok, const char *what, int err)
{
	if (ok) {
		printf("PASS: %s\n", what);
	} else {
		printf("FAIL: %s (errno %d: %s)\n", what, err, strerror(err));
		failures++;
	}
	fflush(stdout);
}

/* An ioctl that must fail with want_errno. */
static void refused(int fd, unsigned long cmd, void *arg, int want_errno, const char *what)
{
	int rc = ioctl(fd, cmd, arg);
	int e = rc ? errno : 0;
	char msg[256];

	snprintf(msg, sizeof(msg), "%s is refused with %s", what, strerror(want_errno));
	check(rc == -1 && e == want_errno, msg, e);
}

static int open_dev(const char *dev)
{
	int fd = open(dev, O_RDONLY);

	if (fd < 0) {
		printf("FAIL: open %s (errno %d: %s)\n", dev, errno, strerror(errno));
		exit(1);
	}
	return fd;
}

static struct ndr_ioc_info get_info(int fd)
{
	struct ndr_ioc_info info = { .argsz = sizeof(info) };

	if (ioctl(fd, NDR_IOC_INFO, &info) != 0) {
		printf("FAIL: NDR_IOC_INFO (errno %d: %s)\n", errno, strerror(errno));
		exit(1);
	}
	return info;
}

static void test_ioctl(const char *dev)
{
	int fd = open_dev(dev);
	struct ndr_ioc_info info = get_info(fd);
	struct ndr_ioc_counters c;
	struct ndr_ioc_cons cons;
	struct ndr_ioc_run run;
	unsigned char big[8192];

	check(info.log2_slots >= NDR_RING_MIN_LOG2 && info.abi_version == NDR_ABI_VERSION &&
	      info.ring_size == (uint64_t)NDR_SLOT_BYTES << info.log2_slots,
	      "NDR_IOC_INFO reports the ring geometry and ABI version", 0);

	memset(&c, 0, sizeof(c));
	c.argsz = 4;
	refused(fd, NDR_IOC_COUNTERS, &c, EINVAL, "argsz smaller than the header");
	c.argsz = 0;
	refused(fd, NDR_IOC_COUNTERS, &c, EINVAL, "argsz 0");
	memset(big, 0, sizeof(big));
	((uint32_t *)big)[0] = sizeof(big);
	refused(fd, NDR_IOC_COUNTERS, big, EINVAL, "argsz 8192 (beyond any version of the struct)");
	c.argsz = 0xffffffffu;
	refused(fd, NDR_IOC_COUNTERS, &c, EINVAL, "argsz 0xffffffff");
	c.argsz = sizeof(c);
	c.flags = 0x80000000u;
	refused(fd, NDR_IOC_COUNTERS, &c, EINVAL, "unknown flags");
	refused(fd, _IOWR(NDR_IOC_MAGIC, 0x7f, struct ndr_ioc_run), &run, ENOTTY,
		"an unknown command");
	refused(fd, _IOWR('Z', 0x01, struct ndr_ioc_run), &run, ENOTTY,
		"another driver's command");
	refused(fd, NDR_IOC_COUNTERS, NULL, EFAULT, "a NULL argument");
	refused(fd, NDR_IOC_INFO, (void *)8, EFAULT, "a wild argument pointer");

	memset(&c, 0, sizeof(c));
	c.argsz = sizeof(c);
	check(ioctl(fd, NDR_IOC_COUNTERS, &c) == 0, "NDR_IOC_COUNTERS with the right argsz", errno);
	/* An older caller's shorter struct gets only what fits. */
	memset(big, 0xee, sizeof(big));
	((uint32_t *)big)[0] = 16;
	((uint32_t *)big)[1] = 0;
	check(ioctl(fd, NDR_IOC_COUNTERS, big) == 0 && big[16] == 0xee,
	      "a shorter (older) struct is filled only up to its argsz", errno);

	memset(&cons, 0, sizeof(cons));
	cons.argsz = sizeof(cons);
	cons.cons = c.prod + 1000u;
	refused(fd, NDR_IOC_SET_CONS, &cons, EINVAL, "a consumer index past prod");
	cons.cons = c.cons - 1u;
	refused(fd, NDR_IOC_SET_CONS, &cons, EINVAL, "a consumer index moving backwards");
	cons.cons = 0x80000000u + c.prod;
	refused(fd, NDR_IOC_SET_CONS, &cons, EINVAL, "a consumer index half the index space away");
	cons.cons = c.cons;
	check(ioctl(fd, NDR_IOC_SET_CONS, &cons) == 0, "SET_CONS to the current index is accepted",
	      errno);
	close(fd);
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* 0 if reading p worked, else the signal it raised. */
static int probe_read(const volatile uint8_t *p, uint8_t *out)
{
	struct sigaction sa, old_bus, old_segv;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(fault_jmp, 1);
	if (sig == 0)
		*out = *p;
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

static void test_mmap(const char *dev)
{
	int fd = open_dev(dev);
	struct ndr_ioc_info info = get_info(fd);
	long pg = sysconf(_SC_PAGESIZE);
	void *p;
	uint8_t b;

	p = mmap(NULL, info.ctrl_size, PROT_READ, MAP_SHARED, fd, (off_t)info.ctrl_offset);
	check(p != MAP_FAILED, "mmap of the control page", errno);
	if (p != MAP_FAILED) {
		const struct ndr_ring_ctrl *ctrl = p;

		check(ctrl->log2_slots == info.log2_slots && ctrl->abi_version == NDR_ABI_VERSION,
		      "the control page holds log2_slots and the ABI version", 0);
		check(mprotect(p, info.ctrl_size, PROT_READ | PROT_WRITE) != 0,
		      "mprotect of the control page to writable is refused", 0);
		munmap(p, info.ctrl_size);
	}
	p = mmap(NULL, info.ring_size, PROT_READ, MAP_SHARED, fd, (off_t)info.ring_offset);
	check(p != MAP_FAILED && probe_read((uint8_t *)p + info.ring_size - 1, &b) == 0,
	      "mmap of the whole ring, readable to its last byte", errno);
	if (p != MAP_FAILED)
		munmap(p, info.ring_size);
	p = mmap(NULL, info.ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)info.ring_offset);
	check(p == MAP_FAILED, "a writable mapping of the ring is refused", 0);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd,
		 (off_t)(info.ring_offset + info.ring_size));
	check(p == MAP_FAILED && errno == EINVAL, "mmap beyond the end of the ring is refused", errno);
	p = mmap(NULL, info.ring_size + (size_t)pg, PROT_READ, MAP_SHARED, fd,
		 (off_t)info.ring_offset);
	check(p == MAP_FAILED && errno == EINVAL, "mmap longer than the ring is refused", errno);
	p = mmap(NULL, 2 * (size_t)pg, PROT_READ, MAP_SHARED, fd, (off_t)info.ctrl_offset);
	check(p == MAP_FAILED && errno == EINVAL,
	      "mmap spanning the control page and the ring is refused", errno);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd, (off_t)1 << 40);
	check(p == MAP_FAILED && errno == EINVAL, "mmap at a huge offset is refused", errno);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd,
		 (off_t)(info.ring_offset + info.ring_size - (uint64_t)pg));
	check(p != MAP_FAILED, "mmap of the ring's last page alone", errno);
	close(fd);
}

static void test_readers(const char *dev)
{
	int a = open_dev(dev), b = open_dev(dev);
	struct ndr_ioc_info ia = get_info(a), ib = get_info(b);
	void *ma = mmap(NULL, ia.ring_size, PROT_READ, MAP_SHARED, a, (off_t)ia.ring_offset);
	void *mb = mmap(NULL, ib.ring_size, PROT_READ, MAP_SHARED, b, (off_t)ib.ring_offset);
	struct ndr_ioc_counters ca = { .argsz = sizeof(ca) }, cb = { .argsz = sizeof(cb) };
	pid_t child;
	int status = 0;

	check(ma != MAP_FAILED && mb != MAP_FAILED && memcmp(ma, mb, ia.ring_size) == 0,
	      "two readers map the same ring", errno);
	check(ioctl(a, NDR_IOC_COUNTERS, &ca) == 0 && ioctl(b, NDR_IOC_COUNTERS, &cb) == 0,
	      "two readers read the counters", errno);
	child = fork();
	if (child == 0) {
		struct pollfd p = { .fd = b, .events = POLLIN };
		int i;

		for (i = 0; i < 200; i++) {
			struct ndr_ioc_counters c = { .argsz = sizeof(c) };

			if (ioctl(b, NDR_IOC_COUNTERS, &c) != 0 || poll(&p, 1, 0) < 0)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 200; i++) {
		struct ndr_ioc_info x = { .argsz = sizeof(x) };

		if (ioctl(a, NDR_IOC_INFO, &x) != 0)
			status = 1;
	}
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "two processes use the device at once", 0);
	munmap(ma, ia.ring_size);
	close(a);
	check(ioctl(b, NDR_IOC_COUNTERS, &cb) == 0 && probe_read(mb, (uint8_t *)&ca) == 0,
	      "a reader keeps working after the other closed", errno);
	munmap(mb, ib.ring_size);
	close(b);
}

static void test_start(const char *dev)
{
	int fd = open_dev(dev);
	struct ndr_ioc_run r = { .argsz = sizeof(r) };

	check(ioctl(fd, NDR_IOC_START, &r) == 0, "NDR_IOC_START", errno);
	r.flags = 0;
	check(ioctl(fd, NDR_IOC_START, &r) == 0 && (r.flags & NDR_RUN_F_WAS_RUNNING),
	      "a second START reports the card was running", errno);
	close(fd);
}

static void print_counters(const char *dev)
{
	int fd = open_dev(dev);
	struct ndr_ioc_counters c = { .argsz = sizeof(c) };

	if (ioctl(fd, NDR_IOC_COUNTERS, &c) != 0) {
		printf("FAIL: NDR_IOC_COUNTERS (errno %d: %s)\n", errno, strerror(errno));
		exit(1);
	}
	printf("packets=%llu records=%llu dropped=%llu interrupts=%llu prod=%u cons=%u\n",
	       (unsigned long long)c.packets, (unsigned long long)c.records,
	       (unsigned long long)c.dropped, (unsigned long long)c.interrupts, c.prod, c.cons);
	close(fd);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void test_unplug(const char *dev, const char *pcidev)
{
	int fd = open_dev(dev);
	struct ndr_ioc_info info = get_info(fd);
	struct ndr_ioc_counters c = { .argsz = sizeof(c) };
	const volatile uint8_t *ring;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char path[256];
	uint8_t b;
	int rc;

	ring = mmap(NULL, info.ring_size, PROT_READ, MAP_SHARED, fd, (off_t)info.ring_offset);
	check(ring != MAP_FAILED && probe_read(ring, &b) == 0, "ring mapped before unplug", errno);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", pcidev);
	check(write_file(path, "1") == 0, "PCI remove while the device is open and mapped", errno);
	rc = poll(&p, 1, 1000);
	check(rc == 1 && (p.revents & (POLLHUP | POLLERR)), "poll reports hang-up after unplug",
	      errno);
	rc = ioctl(fd, NDR_IOC_COUNTERS, &c);
	check(rc == -1 && errno == ENODEV, "ioctl after unplug fails with ENODEV", errno);
	check(probe_read(ring, &b) == SIGBUS, "the old mapping faults (SIGBUS) after unplug", 0);
	check(mmap(NULL, info.ring_size, PROT_READ, MAP_SHARED, fd, (off_t)info.ring_offset) ==
	      MAP_FAILED && errno == ENODEV, "mmap after unplug fails with ENODEV", errno);
	munmap((void *)ring, info.ring_size);
	check(close(fd) == 0, "close after unplug", errno);
}

static int rmmod(const char *module)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rmmod %s 2>/dev/null", module);
	return system(cmd);
}

static void test_hold(const char *dev, const char *module)
{
	int fd = open_dev(dev);
	struct ndr_ioc_info info = get_info(fd);
	void *ring = mmap(NULL, info.ring_size, PROT_READ, MAP_SHARED, fd, (off_t)info.ring_offset);

	check(ring != MAP_FAILED, "mapped the ring", errno);
	check(rmmod(module) != 0, "module unload is refused while a reader holds the device", 0);
	close(fd);
	check(rmmod(module) != 0, "module unload is refused while the ring is still mapped", 0);
	check(probe_read(ring, (uint8_t *)&fd) == 0, "the mapping still reads after close", 0);
	munmap(ring, info.ring_size);
	check(rmmod(module) == 0, "module unloads once the last mapping is gone", 0);
}

/* ---- a storm of random calls --------------------------------------------
 * Not coverage-guided (that needs a KCOV kernel), but hostile: random
 * commands of this driver and others, random argsz, flags and contents,
 * NULL, wild and unmapped pointers, a pointer whose struct runs into an
 * unmapped page, random mmap offsets, lengths and protections. Every call
 * must be served or refused with an errno a caller can act on, and the
 * device must answer as before afterwards (init.sh then checks dmesg for
 * warnings and oopses). START is left out: it would use up the card run
 * that the overflow check after this one needs. */
static uint64_t storm_rng = 0x6e6472ull;

static uint32_t storm_rnd(void)
{
	storm_rng ^= storm_rng << 13;
	storm_rng ^= storm_rng >> 7;
	storm_rng ^= storm_rng << 17;
	return (uint32_t)(storm_rng >> 16);
}

static int storm_errno_ok(int e)
{
	return e == EINVAL || e == ENOTTY || e == EFAULT || e == EPERM || e == EACCES ||
	       e == ENOMEM || e == ENXIO || e == EOVERFLOW;
}

static void test_storm(const char *dev, unsigned long n)
{
	int fd = open_dev(dev);
	struct ndr_ioc_info before = get_info(fd), after;
	long page = sysconf(_SC_PAGESIZE);
	/* two pages, the second unmapped: a struct can straddle into nothing */
	uint8_t *edge = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static uint8_t buf[4096];
	static const unsigned long cmds[] = { NDR_IOC_INFO, NDR_IOC_COUNTERS, NDR_IOC_STOP,
					      NDR_IOC_SET_CONS };
	unsigned long served = 0, refused_n = 0, mapped = 0, bad = 0;
	char what[200];

	if (edge == MAP_FAILED || munmap(edge + page, (size_t)page) != 0) {
		printf("FAIL: storm: cannot set up the guard page\n");
		exit(1);
	}
	for (unsigned long i = 0; i < n; i++) {
		uint32_t pick = storm_rnd() % 16;
		unsigned long cmd;
		void *arg;
		int rc, e;

		if (pick % 8 == 7) {   /* an mmap */
			uint64_t off = (uint64_t)(storm_rnd() % 8) * (uint64_t)page;
			size_t len = (size_t)(storm_rnd() % 5) * (size_t)page + (storm_rnd() % 2);
			int prot = storm_rnd() % 3 ? PROT_READ : PROT_READ | PROT_WRITE;
			void *m;

			if (storm_rnd() % 8 == 0)
				off = (uint64_t)storm_rnd() << 20;
			m = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);
			if (m != MAP_FAILED) {
				mapped++;
				munmap(m, len);
			} else if (!storm_errno_ok(errno)) {
				snprintf(what, sizeof(what), "storm: mmap(len %zu, prot %d, offset %llu) "
					 "failed with an unexpected errno", len, prot,
					 (unsigned long long)off);
				check(0, what, errno);
				bad++;
			}
			continue;
		}
		if (pick < 10)
			cmd = cmds[storm_rnd() % 4];
		else if (pick < 13)
			cmd = _IOC(storm_rnd() % 4, NDR_IOC_MAGIC, storm_rnd() % 16, storm_rnd() % 256);
		else
			cmd = storm_rnd();
		for (size_t k = 0; k < sizeof(buf); k += 4) {
			uint32_t v = storm_rnd();

			memcpy(buf + k, &v, 4);
		}
		switch (storm_rnd() % 8) {
		case 0: arg = NULL; break;
		case 1:   /* the zero page, or kernel space: never this process's memory */
			arg = storm_rnd() % 2 ? (void *)(uintptr_t)(storm_rnd() % 4096)
					      : (void *)(uintptr_t)(0xffff888000000000ull |
								    (uint64_t)storm_rnd() << 12);
			break;
		case 2: arg = edge + page - (storm_rnd() % 24); break;   /* runs into the hole */
		default:
			arg = buf;
			/* mostly a plausible argsz, so the checks past it are reached */
			if (storm_rnd() % 4)
				((uint32_t *)buf)[0] = storm_rnd() % 96;
			if (storm_rnd() % 2)
				((uint32_t *)buf)[1] = 0;
			break;
		}
		rc = ioctl(fd, cmd, arg);
		e = errno;
		if (rc == 0) {
			served++;
		} else if (rc == -1 && storm_errno_ok(e)) {
			refused_n++;
		} else {
			snprintf(what, sizeof(what), "storm: ioctl 0x%lx returned %d", cmd, rc);
			check(0, what, e);
			bad++;
		}
	}
	after = get_info(fd);
	snprintf(what, sizeof(what), "storm: %lu random ioctls and mmaps: %lu served, %lu refused "
		 "with EINVAL/ENOTTY/EFAULT/..., %lu mappings, none otherwise", n, served, refused_n,
		 mapped);
	check(bad == 0 && served > 0 && refused_n > 0, what, 0);
	check(after.log2_slots == before.log2_slots && after.ring_size == before.ring_size &&
	      after.build_id == before.build_id && after.abi_version == before.abi_version,
	      "storm: NDR_IOC_INFO answers as before afterwards", 0);
	munmap(edge, (size_t)page);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ndr-kmod-test ioctl|mmap|readers|start|counters|unplug|hold|storm DEV [ARG]\n");
		return 2;
	}
	if (!strcmp(argv[1], "ioctl"))
		test_ioctl(argv[2]);
	else if (!strcmp(argv[1], "mmap"))
		test_mmap(argv[2]);
	else if (!strcmp(argv[1], "readers"))
		test_readers(argv[2]);
	else if (!strcmp(argv[1], "start"))
		test_start(argv[2]);
	else if (!strcmp(argv[1], "counters"))
		print_counters(argv[2]);
	else if (!strcmp(argv[1], "unplug") && argc == 4)
		test_unplug(argv[2], argv[3]);
	else if (!strcmp(argv[1], "hold") && argc == 4)
		test_hold(argv[2], argv[3]);
	else if (!strcmp(argv[1], "storm") && argc == 4)
		test_storm(argv[2], strtoul(argv[3], NULL, 0));
	else {
		fprintf(stderr, "ndr-kmod-test: unknown check %s\n", argv[1]);
		return 2;
	}
	return failures ? 1 : 0;
}
