/*
 * tmpfile.c - a named temporary file for tests (tmpfile.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tmpfile.h"

void test_tmpfile(char *path, size_t len, const char *tag)
{
	int n = snprintf(path, len, "/tmp/ndr-test-%s-XXXXXX", tag);
	int fd;

	assert_true(n > 0 && (size_t)n < len);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}
