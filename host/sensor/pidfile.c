/*
 * pidfile.c - --pidfile: created exclusively, so two sensors cannot share
 * one; a file left by a sensor that died is recognised (its pid is gone or
 * is another program) and replaced; removed at exit if it is still ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor.h"

/* The pid in path, or 0 when there is none readable. */
static long read_pid(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");
	char *end;
	long pid;

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	pid = strtol(buf, &end, 10);
	return end != buf && pid > 0 && (*end == '\n' || *end == '\0') ? pid : 0;
}

/* Whether pid is a running ndr-sensor (a reused pid is another program). */
static int sensor_alive(long pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return 1;       /* cannot tell: do not take it over */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "ndr-sensor", 10) == 0;
}

int sensor_pidfile_create(const char *path, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		char line[32];
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		long pid;

		if (fd >= 0) {
			int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

			if (write(fd, line, (size_t)n) != n || close(fd) != 0) {
				snprintf(err, errlen, "--pidfile %s: cannot write: %s", path,
					 strerror(errno));
				unlink(path);
				return -1;
			}
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(err, errlen, "--pidfile %s: %s", path, strerror(errno));
			return -1;
		}
		pid = read_pid(path);
		if (pid && sensor_alive(pid)) {
			snprintf(err, errlen, "--pidfile %s: ndr-sensor is already running as "
				 "pid %ld", path, pid);
			return -1;
		}
		fprintf(stderr, "ndr-sensor: --pidfile %s: replacing a stale pidfile (%s)\n",
			path, pid ? "its process is gone" : "no pid in it");
		if (unlink(path) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "--pidfile %s: cannot remove the stale file: %s",
				 path, strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "--pidfile %s: another process keeps creating it", path);
	return -1;
}

void sensor_pidfile_remove(const char *path)
{
	if (read_pid(path) != (long)getpid())
		return;         /* replaced by someone else meanwhile: theirs */
	if (unlink(path) != 0)
		fprintf(stderr, "ndr-sensor: warning: --pidfile %s: cannot remove: %s "
			"(the directory must be writable by the --user)\n", path, strerror(errno));
}
