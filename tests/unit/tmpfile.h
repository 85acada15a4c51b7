/*
 * tmpfile.h - a named, empty temporary file for the tests that write a
 * capture or a configuration to disk and read it back.
 */
#ifndef NDR_TEST_TMPFILE_H
#define NDR_TEST_TMPFILE_H

#include <stddef.h>

/* Creates /tmp/ndr-test-TAG-XXXXXX and puts its name in path (len bytes);
 * fails the running test when it cannot. The test unlinks it. */
void test_tmpfile(char *path, size_t len, const char *tag);

#endif
