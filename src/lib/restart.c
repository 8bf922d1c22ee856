/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "restart.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int restart_policy_parse(const char *s, json_t **out, struct berth_error *err)
{
	char name[32];
	long max = 0;
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	if (len >= sizeof(name) || (colon && strchr(colon + 1, ':')))
		return berth_errmsg(err, -EINVAL, "invalid restart policy format: \"%s\"", s);
	memcpy(name, s, len);
	name[len] = '\0';
	if (!*name)
		strcpy(name, "no");
	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "on-failure") &&
	    strcmp(name, "unless-stopped"))
		return berth_errmsg(err, -EINVAL,
				    "invalid restart policy: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
				    name);
	if (colon) {
		char *end;
		errno = 0;
		max = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || errno)
			return berth_errmsg(err, -EINVAL, "invalid restart policy format: maximum retry count must be an integer");
		if (strcmp(name, "on-failure"))
			return berth_errmsg(err, -EINVAL,
					    "invalid restart policy: maximum retry count can only be used with 'on-failure'");
		if (max < 0)
			return berth_errmsg(err, -EINVAL, "invalid restart policy: maximum retry count cannot be negative");
	}
	*out = json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount", (int)max);
	return *out ? 0 : -ENOMEM;
}

bool restart_wanted(const struct ctr_rec *c, bool boot)
{
	json_t *p = json_object_get(c->config, "restart");
	const char *name = json_string_value(json_object_get(p, "Name"));
	int max = (int)json_integer_value(json_object_get(p, "MaximumRetryCount"));
	if (!name || c->state != CTR_EXITED)
		return false;
	if (!strcmp(name, "always"))
		return boot || !c->manual_stop;
	if (c->manual_stop)
		return false;
	if (!strcmp(name, "unless-stopped"))
		return true;
	if (!strcmp(name, "on-failure"))
		return c->exit_code != 0 && (max == 0 || c->restart_count < max);
	return false;
}

/* Seconds between two of our RFC 3339 times (-1 if unreadable). */
static double seconds_between(const char *a, const char *b)
{
	struct tm ta = {0}, tb = {0};
	if (!strptime(a, "%Y-%m-%dT%H:%M:%S", &ta) || !strptime(b, "%Y-%m-%dT%H:%M:%S", &tb))
		return -1;
	return difftime(timegm(&tb), timegm(&ta));
}

unsigned restart_delay_ms(const struct ctr_rec *c)
{
	if (seconds_between(c->started_at, c->finished_at) >= 10)
		return 100;
	unsigned d = 100;
	for (int i = 0; i < c->restart_count && d < 60000; i++)
		d *= 2;
	return d < 60000 ? d : 60000;
}
