/*
 * sd_notify.c - systemd's readiness protocol, spoken directly: one datagram
 * per state change to the AF_UNIX socket named by $NOTIFY_SOCKET (a path,
 * or '@' for the abstract namespace). Without the variable it does nothing,
 * so the same binary runs under Type=notify, Type=simple and a shell.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sensor.h"

int sensor_notify(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	socklen_t salen;
	ssize_t sent;
	int fd;

	if (!name || !name[0])
		return 0;
	len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len >= sizeof(sa.sun_path)) {
		fprintf(stderr, "ndr-sensor: warning: NOTIFY_SOCKET '%s' is not a socket path\n",
			name);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	if (sent < 0)
		fprintf(stderr, "ndr-sensor: warning: NOTIFY_SOCKET %s: %s\n", name,
			strerror(errno));
	close(fd);
	return sent < 0 ? -1 : 0;
}

uint64_t sensor_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");

	if (!usec || (pid && atol(pid) != (long)getpid()))
		return 0;
	return strtoull(usec, NULL, 10);
}
