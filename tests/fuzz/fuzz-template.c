/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the Go-template subset of `inspect -f` (template.h).
 * The first line is the template; the rest, if it is JSON, is the document
 * it runs against (otherwise a small inspect-like document is).
 *
 * Templates are programs: nested ranges multiply the work, and printf widths
 * go up to 9999. To keep each input cheap the template is at most 256 bytes
 * with at most one "range", and the document at most 1024 bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "template.h"

#define MAX_TMPL 256
#define MAX_DOC 1024

static const char default_doc[] =
	"{\"Id\":\"3f4e8a1b2c\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":42,"
	"\"Health\":null},\"NetworkSettings\":{\"IPAddress\":\"172.17.0.2\","
	"\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}],\"443/tcp\":null}},"
	"\"Config\":{\"Env\":[\"PATH=/usr/bin\",\"LANG=C\"],\"Labels\":{\"app\":\"nginx\"},"
	"\"Cpus\":1.5,\"Tiny\":1e-7}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t tlen = nl ? (size_t)(nl - data) : size;
	struct berth_error err = { 0 };
	json_t *doc = NULL;
	char *tmpl, *out = NULL, *r;

	if (tlen > MAX_TMPL || size - tlen > MAX_DOC + 1)
		return -1;
	if (!(tmpl = malloc(tlen + 1)))
		return 0;
	memcpy(tmpl, data, tlen);
	tmpl[tlen] = '\0';
	if ((r = strstr(tmpl, "range")) && strstr(r + 1, "range")) {
		free(tmpl);
		return -1;
	}

	if (nl)
		doc = json_loadb((const char *)nl + 1, size - tlen - 1, JSON_DECODE_ANY, NULL);
	if (!doc)
		doc = json_loads(default_doc, 0, NULL);
	if (!doc)
		abort();

	if (berth_template_render(tmpl, doc, &out, &err) == 0) {
		if (!out)
			abort();
	} else if (out || err.code >= 0 || !err.msg[0]) {
		abort();
	}
	free(out);
	json_decref(doc);
	free(tmpl);
	return 0;
}
