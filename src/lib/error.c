/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int set(struct berth_error *err, int code, int with_errno, const char *fmt,
	       va_list ap)
{
	if (code >= 0)
		code = -5; /* -EIO: a caller bug, but never report success */
	if (!err)
		return code;
	err->code = code;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(-code));
	return code;
}

int berth_err(struct berth_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	code = set(err, code, 1, fmt, ap);
	va_end(ap);
	return code;
}

int berth_errmsg(struct berth_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	code = set(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int berth_err_wrap(struct berth_error *err, int code, const char *fmt, ...)
{
	if (code >= 0)
		code = -5;
	if (!err)
		return code;
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (err->msg[0])
		snprintf(old, sizeof(old), "%s", err->msg);
	else
		snprintf(old, sizeof(old), "%s", strerror(-code));
	/* Truncating a long chain of context is fine. */
	size_t pl = strnlen(prefix, sizeof(err->msg) - 3);
	memcpy(err->msg, prefix, pl);
	memcpy(err->msg + pl, ": ", 2);
	snprintf(err->msg + pl + 2, sizeof(err->msg) - pl - 2, "%s", old);
	if (!err->code)
		err->code = code;
	return err->code;
}
