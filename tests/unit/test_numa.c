/*
 * test_numa.c - the card's NUMA node from sysfs, and pinning: what the
 * sources report at start and where they put the ring and the consumer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndr_numa.h"

static int node_from(const char *content)
{
	char dir[] = "/tmp/ndr-numa.XXXXXX", path[64];
	FILE *f;
	int node;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/numa_node", dir);
	if (content) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(content, f);
		fclose(f);
	}
	node = ndr_numa_node_of_sysfs(dir);
	unlink(path);
	rmdir(dir);
	return node;
}

static void node_of_a_pci_device(void **state)
{
	(void)state;
	assert_int_equal(node_from("1\n"), 1);
	assert_int_equal(node_from("0\n"), 0);
	assert_int_equal(node_from("-1\n"), -1);   /* not a NUMA machine */
	assert_int_equal(node_from("x\n"), -1);
	assert_int_equal(node_from(NULL), -1);     /* no such device */
}

static void pin_checks_the_node(void **state)
{
	char err[128] = "";

	(void)state;
	assert_int_equal(ndr_numa_pin(-1, err, sizeof(err)), 0);
	if (numa_available() < 0)
		return;
	assert_int_equal(ndr_numa_pin(0, err, sizeof(err)), 0);
	assert_int_equal(numa_preferred(), 0);
	assert_int_equal(ndr_numa_pin(numa_max_node() + 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not exist"));
}

static void ring_memory_on_a_node(void **state)
{
	size_t bytes = 1u << 20;
	unsigned char *p = ndr_numa_alloc(bytes, 0);

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < bytes; i += 4096)
		assert_int_equal(p[i], 0);
	ndr_numa_free(p, bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_of_a_pci_device),
		cmocka_unit_test(pin_checks_the_node),
		cmocka_unit_test(ring_memory_on_a_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
