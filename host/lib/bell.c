/*
 * bell.c - futex doorbell (ndr_bell.h).
 */
#include <limits.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "ndr_bell.h"

void ndr_bell_wait(struct ndr_bell *b, uint32_t seen, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };

	__atomic_add_fetch(&b->sleepers, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&b->count, __ATOMIC_SEQ_CST) == seen)
		syscall(SYS_futex, &b->count, FUTEX_WAIT_PRIVATE, seen,
			timeout_ms < 0 ? NULL : &ts, NULL, 0);
	__atomic_sub_fetch(&b->sleepers, 1, __ATOMIC_SEQ_CST);
}

void ndr_bell_ring(struct ndr_bell *b)
{
	__atomic_add_fetch(&b->count, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&b->sleepers, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &b->count, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}
