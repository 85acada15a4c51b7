/*
 * privileges.c - --user USER[:GROUP]: once the capture, the card and the
 * outputs are open, the sensor becomes USER, keeping only the capabilities
 * that reopening a live capture needs (CAP_NET_RAW, CAP_NET_ADMIN), none
 * otherwise, and none can come back (the bounding set is emptied, and
 * no_new_privs stops a setuid helper).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "sensor.h"

/* USER or USER:GROUP (names or numbers) into uid and gid; without GROUP,
 * USER's primary group. */
static int lookup(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	char user[256], *group;
	struct passwd *pw;

	if (snprintf(user, sizeof(user), "%s", spec) >= (int)sizeof(user) || !user[0]) {
		snprintf(err, errlen, "--user '%s': not a user name", spec);
		return -1;
	}
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	pw = getpwnam(user);
	if (!pw && user[0] >= '0' && user[0] <= '9')
		pw = getpwuid((uid_t)strtoul(user, NULL, 10));
	if (!pw) {
		snprintf(err, errlen, "--user '%s': no such user", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);

		if (!gr && group[0] >= '0' && group[0] <= '9')
			gr = getgrgid((gid_t)strtoul(group, NULL, 10));
		if (!gr) {
			snprintf(err, errlen, "--user '%s': no such group '%s'", spec, group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

int sensor_drop_privileges(const char *spec, int keep_capture_caps, char *err, size_t errlen)
{
	static const cap_value_t capture_caps[] = { CAP_NET_RAW, CAP_NET_ADMIN };
	int n_keep = keep_capture_caps ? 2 : 0;
	uid_t uid;
	gid_t gid;
	cap_t caps;
	int rc;

	if (lookup(spec, &uid, &gid, err, errlen))
		return -1;
	/* everything not kept leaves the bounding set while we may still */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (c == CAP_SETPCAP || (n_keep && (c == CAP_NET_RAW || c == CAP_NET_ADMIN)))
			continue;
		if (cap_drop_bound(c) != 0 && errno != EINVAL) {
			snprintf(err, errlen, "--user %s: cannot drop capability %d: %s", spec,
				 (int)c, strerror(errno));
			return -1;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || setgroups(1, &gid) != 0 ||
	    setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "--user %s: cannot become uid %u gid %u: %s", spec,
			 (unsigned)uid, (unsigned)gid, strerror(errno));
		return -1;
	}
	caps = cap_init();
	if (!caps) {
		snprintf(err, errlen, "--user %s: out of memory", spec);
		return -1;
	}
	rc = 0;
	if (n_keep)
		rc = cap_set_flag(caps, CAP_PERMITTED, n_keep, capture_caps, CAP_SET) |
		     cap_set_flag(caps, CAP_EFFECTIVE, n_keep, capture_caps, CAP_SET);
	if (rc == 0)
		rc = cap_set_proc(caps);
	cap_free(caps);
	if (rc != 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "--user %s: cannot set the capabilities: %s", spec,
			 strerror(errno));
		return -1;
	}
	/* proof, not hope: a way back to root must fail now */
	if (uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "--user %s: root could be regained; stopping", spec);
		return -1;
	}
	return 0;
}
