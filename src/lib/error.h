/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors: every library function returns >= 0 or -errno, and may fill an
 * optional struct berth_error with a human message. Callers add context with
 * berth_err_wrap() ("attach web: create veth: File exists"); only the front
 * ends print it.
 */
#pragma once

#include <stddef.h>

struct berth_error {
	int code;       /* negative errno, 0 when unset */
	char msg[1024]; /* human message, "" when unset */
};

/* Set err from a negative errno and a message; appends ": strerror(code)".
 * Returns code (always negative). */
int berth_err(struct berth_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like berth_err but the message stands alone (no strerror suffix). */
int berth_errmsg(struct berth_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message already in err with "context: ". If err holds no
 * message yet, the strerror of code is used. Returns code. */
int berth_err_wrap(struct berth_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void berth_err_clear(struct berth_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
