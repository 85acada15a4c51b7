/*
 * signals.c - signals as events on a descriptor (signalfd): the handlers do
 * nothing, the main loop reads what arrived between two pumps and acts on
 * it in its own time (reopen, reload, stats, stop).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "sensor.h"

static const struct { int sig; unsigned bit; } wanted[] = {
	{ SIGHUP, SENSOR_SIG_RELOAD },
	{ SIGINT, SENSOR_SIG_STOP },
	{ SIGTERM, SENSOR_SIG_STOP },
	{ SIGUSR1, SENSOR_SIG_STATS },
};

int sensor_signals_open(char *err, size_t errlen)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		sigaddset(&set, wanted[i].sig);
	/* blocked in every thread (they inherit this mask), so each one
	 * waits on the descriptor instead of interrupting someone */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
		snprintf(err, errlen, "signals: cannot block: %s", strerror(errno));
		return -1;
	}
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "signals: signalfd: %s", strerror(errno));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);    /* a closed syslog peer is an error, not an exit */
	return fd;
}

unsigned sensor_signals_take(int fd)
{
	struct signalfd_siginfo si;
	unsigned got = 0;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
			if ((int)si.ssi_signo == wanted[i].sig)
				got |= wanted[i].bit;
	return got;
}
