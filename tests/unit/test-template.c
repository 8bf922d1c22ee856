/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inspect templates: table-driven over a Docker-like `inspect` document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static const char inspect_json[] =
	"{\"Id\": \"3f4e8a1b2c\", \"Name\": \"/web\", \"Created\": \"2024-05-01T10:00:00Z\","
	" \"State\": {\"Status\": \"running\", \"Running\": true, \"Paused\": false,"
	"   \"Pid\": 4242, \"ExitCode\": 0, \"Error\": \"\", \"Health\": null},"
	" \"NetworkSettings\": {\"IPAddress\": \"172.17.0.2\","
	"   \"MacAddress\": \"02:42:ac:11:00:02\", \"Gateway\": \"172.17.0.1\","
	"   \"Ports\": {\"80/tcp\": [{\"HostIp\": \"0.0.0.0\", \"HostPort\": \"8080\"}],"
	"     \"443/tcp\": null},"
	"   \"Networks\": {"
	"     \"lab\": {\"IPAddress\": \"10.55.66.2\", \"Gateway\": \"10.55.66.1\","
	"       \"MacAddress\": \"02:42:0a:37:42:02\", \"IPPrefixLen\": 24},"
	"     \"bridge\": {\"IPAddress\": \"172.17.0.2\", \"Gateway\": \"172.17.0.1\","
	"       \"MacAddress\": \"02:42:ac:11:00:02\", \"IPPrefixLen\": 16}}},"
	" \"Config\": {\"Hostname\": \"3f4e8a1b2c\", \"Env\": [\"PATH=/usr/bin\", \"LANG=C\"],"
	"   \"Cmd\": [\"nginx\", \"-g\", \"daemon off;\"], \"Entrypoint\": null, \"Volumes\": {},"
	"   \"Labels\": {\"com.example.team\": \"web\", \"app\": \"nginx\", \"html\": \"<b>&\"},"
	"   \"Cpus\": 1.5, \"Big\": 1000000.0, \"Small\": 0.0001, \"Tiny\": 1e-7, \"Empty\": \"\"}}";

struct ok_case {
	const char *tmpl, *want;
};

static const struct ok_case ok_cases[] = {
	/* text and field paths */
	{ "", "" },
	{ "plain text", "plain text" },
	{ "{{.State.Pid}}", "4242" },
	{ "pid={{ .State.Pid }}!", "pid=4242!" },
	{ "{{.Name}}", "/web" },
	{ "{{.NetworkSettings.Networks.bridge.IPAddress}}", "172.17.0.2" },
	{ "{{.Config.Empty}}", "" },
	{ "{{\"}}\"}}", "}}" },
	/* printing like Go's fmt */
	{ "{{.State.Running}} {{.State.Paused}}", "true false" },
	{ "{{.State.Health}}", "<no value>" },
	{ "{{.Config.Env}}", "[PATH=/usr/bin LANG=C]" },
	{ "{{.Config.Cpus}} {{.Config.Big}} {{.Config.Small}} {{.Config.Tiny}}",
	  "1.5 1e+06 0.0001 1e-07" },
	{ "{{.NetworkSettings.Ports}}",
	  "map[443/tcp:<nil> 80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]]" },
	{ "{{.Config.Labels}}", "map[app:nginx com.example.team:web html:<b>&]" },
	/* literals */
	{ "{{\"a\\tb\\u00e9\"}}", "a\tb\xc3\xa9" },
	{ "{{`raw\\n`}}", "raw\\n" },
	{ "{{42}} {{-7}} {{0x10}} {{1.5}} {{true}}", "42 -7 16 1.5 true" },
	/* index */
	{ "{{index .NetworkSettings.Networks \"bridge\"}}",
	  "map[Gateway:172.17.0.1 IPAddress:172.17.0.2 IPPrefixLen:16 MacAddress:02:42:ac:11:00:02]" },
	{ "{{(index .NetworkSettings.Networks \"lab\").Gateway}}", "10.55.66.1" },
	{ "{{index .Config.Labels \"com.example.team\"}}", "web" },
	{ "{{index .Config.Labels \"missing\"}}", "<no value>" },
	{ "{{index .Config.Env 1}}", "LANG=C" },
	{ "{{index .NetworkSettings.Ports \"80/tcp\" 0 \"HostPort\"}}", "8080" },
	/* json */
	{ "{{json .State}}",
	  "{\"Status\":\"running\",\"Running\":true,\"Paused\":false,\"Pid\":4242,"
	  "\"ExitCode\":0,\"Error\":\"\",\"Health\":null}" },
	{ "{{json .Config.Labels}}",
	  "{\"com.example.team\":\"web\",\"app\":\"nginx\",\"html\":\"\\u003cb\\u003e\\u0026\"}" },
	{ "{{.Config.Env | json}}", "[\"PATH=/usr/bin\",\"LANG=C\"]" },
	{ "{{json .Config.Cpus}} {{json .Config.Big}} {{json .Config.Tiny}}", "1.5 1000000 1e-7" },
	{ "{{json .Name}}", "\"/web\"" },
	/* printf, print, println */
	{ "{{printf \"%s:%d\" .Name .State.Pid}}", "/web:4242" },
	{ "{{printf \"%5d|%-4s|%v|%%|%q|%t|%x\" 42 \"ab\" .Config.Env \"a\\\"b\" true 255}}",
	  "   42|ab  |[PATH=/usr/bin LANG=C]|%|\"a\\\"b\"|true|ff" },
	{ "{{printf \"%d %s\" \"x\"}}", "%!d(string=x) %!s(MISSING)" },
	{ "{{printf \"%s\" .Name 1}}", "/web%!(EXTRA int=1)" },
	{ "{{printf \"%v\" .State.Health}}", "<nil>" },
	{ "{{print 1 2 \"a\" \"b\" 3}}", "1 2ab3" },
	{ "{{println .Name .State.Pid}}", "/web 4242\n" },
	/* range */
	{ "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", "172.17.0.2 10.55.66.2 " },
	{ "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}",
	  "app=nginx;com.example.team=web;html=<b>&;" },
	{ "{{range $i, $e := .Config.Env}}{{$i}}:{{$e}} {{end}}", "0:PATH=/usr/bin 1:LANG=C " },
	{ "{{range $e := .Config.Cmd}}[{{$e}}]{{end}}", "[nginx][-g][daemon off;]" },
	{ "{{range .Config.Env}}{{$.Name}} {{end}}", "/web /web " },
	{ "{{range .Config.Entrypoint}}x{{else}}none{{end}}", "none" },
	{ "{{range .Config.Volumes}}x{{else}}empty{{end}}", "empty" },
	{ "{{range $p, $b := .NetworkSettings.Ports}}{{$p}}{{with $b}}->{{(index . 0).HostPort}}{{end}} {{end}}",
	  "443/tcp 80/tcp->8080 " },
	/* variables */
	{ "{{$n := .Name}}{{range .Config.Env}}{{$n}}{{end}}", "/web/web" },
	{ "{{$x := 1}}{{range .Config.Env}}{{$x := .}}{{end}}{{$x}}", "1" },
	/* if, with */
	{ "{{if .State.Running}}up{{else}}down{{end}}", "up" },
	{ "{{if .State.Paused}}p{{else if .State.Running}}r{{else}}x{{end}}", "r" },
	{ "{{if .State.Paused}}p{{else if .State.Error}}e{{else}}x{{end}}", "x" },
	{ "{{if .State.ExitCode}}a{{end}}{{if .State.Error}}b{{end}}{{if .Config.Volumes}}c{{end}}"
	  "{{if .State.Health}}d{{end}}{{if .Config.Env}}e{{end}}{{if .Config.Cpus}}f{{end}}", "ef" },
	{ "{{with .State}}{{.Status}} {{$.Name}}{{end}}", "running /web" },
	{ "{{with .State.Health}}{{.Status}}{{else}}no health{{end}}", "no health" },
	{ "{{with $s := .State.Status}}{{$s}}{{end}}", "running" },
	{ "{{with .State.Health}}h{{else with .State}}{{.Pid}}{{end}}", "4242" },
	/* pipes and functions */
	{ "{{.Name | upper}}", "/WEB" },
	{ "{{.Name | printf \"%q\"}}", "\"/web\"" },
	{ "{{\"Mixed Case\" | lower}} {{title \"hello wide-world\"}}", "mixed case Hello Wide-World" },
	{ "{{len .Config.Env}} {{len .Config.Labels}} {{len .Name}} {{.Config.Cmd | len}}", "2 3 4 3" },
	{ "{{len .Config.Entrypoint}}", "0" },
	{ "{{join .Config.Env \",\"}}|{{join .Config.Cmd \" \"}}", "PATH=/usr/bin,LANG=C|nginx -g daemon off;" },
	{ "{{split \"a,b,,c\" \",\"}} {{index (split .NetworkSettings.MacAddress \":\") 5}}",
	  "[a b  c] 02" },
	{ "{{eq .State.Status \"running\"}} {{eq .State.Pid 1 2 4242}} {{ne .State.Pid 4242}}",
	  "true true false" },
	{ "{{not .State.Running}} {{not .State.Error}}", "false true" },
	{ "{{and .State.Running .Name}} {{and .State.Paused .Name}}", "/web false" },
	{ "{{or .State.Error \"fallback\"}} {{or .Name \"x\"}}", "fallback /web" },
	{ "{{if and .State.Running (eq .State.Pid 4242)}}yes{{end}}", "yes" },
	{ "{{if gt (len .Config.Env) 1}}many{{end}}{{if lt .Name \"/z\"}}<{{end}}", "many<" },
	/* trim markers and comments */
	{ "a  {{- .State.Pid -}}  b", "a4242b" },
	{ "{{range .Config.Env -}}\n  {{.}}\n{{- end}}", "PATH=/usr/binLANG=C" },
	{ "a{{/* a comment */}}b {{- /* trimmed */ -}} c", "abc" },
	{ "{{.State.Pid}} -}}", "4242 -}}" },
};

struct err_case {
	const char *tmpl, *msg;
};

static const struct err_case err_cases[] = {
	/* missing or wrong fields name the path */
	{ "{{.State.Pidd}}", "template: no field \"Pidd\" in .State.Pidd" },
	{ "{{.Stat.Pid}}", "template: no field \"Stat\" in .Stat.Pid" },
	{ "{{range .Config.Env}}{{.Foo}}{{end}}",
	  "template: can't evaluate field \"Foo\" in .Foo: value is a string, not an object" },
	{ "{{.State.Pid.X}}",
	  "template: can't evaluate field \"X\" in .State.Pid.X: value is an integer, not an object" },
	{ "{{.State.Health.Status}}",
	  "template: can't evaluate field \"Status\" in .State.Health.Status: value is null, not an object" },
	{ "{{(index .NetworkSettings.Networks \"lab\").Gw}}",
	  "template: no field \"Gw\" in (index .NetworkSettings.Networks \"lab\").Gw" },
	{ "{{$s := .State}}{{$s.Pidd}}", "template: no field \"Pidd\" in $s.Pidd" },
	{ "{{if .State.Running}}{{.Nope}}{{end}}", "template: no field \"Nope\" in .Nope" },
	{ "{{range .State.Pid}}{{end}}",
	  "template: range can't iterate over .State.Pid: value is an integer" },
	/* syntax */
	{ "abc {{.Name", "template: unterminated action at offset 4" },
	{ "{{.Name}} {{", "template: unterminated action at offset 10" },
	{ "{{end}}", "template: unexpected {{end}} at offset 0" },
	{ "x{{else}}", "template: unexpected {{else}} at offset 1" },
	{ "{{if .Name}}x", "template: unexpected EOF: missing {{end}} for {{if}} at offset 0" },
	{ "{{range .Config.Env}}{{else}}{{else}}{{end}}", "template: unexpected {{else}} at offset 29" },
	{ "{{with .Name}}{{else if .Id}}{{end}}",
	  "template: unexpected {{else if}} in {{with}} at offset 14" },
	{ "{{end x}}", "template: unexpected \"x\" in {{end}} or {{else}} at offset 6" },
	{ "{{}}", "template: missing value for command at offset 2" },
	{ "{{.Name | }}", "template: missing value for command at offset 10" },
	{ "{{.Name .Id}}", "template: can't give argument to non-function .Name at offset 2" },
	{ "{{.Name | .Id}}", "template: can't give argument to non-function .Id at offset 10" },
	{ "{{nil}}", "template: nil is not a command at offset 2" },
	{ "{{$x}}", "template: undefined variable \"$x\" at offset 2" },
	{ "{{range .Config.Env}}{{$e := .}}{{end}}{{$e}}",
	  "template: undefined variable \"$e\" at offset 41" },
	{ "{{range $a, $b, $c := .Config.Env}}{{end}}",
	  "template: expected := after range variables at offset 15" },
	{ "{{(.Name}}", "template: unclosed left paren at offset 8" },
	{ "{{.Name)}}", "template: unexpected \")\" at offset 7" },
	{ "{{\"abc}}", "template: unterminated quoted string at offset 2" },
	{ "{{1x}}", "template: bad number syntax \"1x\" at offset 2" },
	{ "{{.Name = 1}}", "template: unexpected '=' in action at offset 8" },
	{ "{{/* open }}", "template: unclosed comment at offset 0" },
	{ "{{define \"x\"}}{{end}}", "template: {{define}} is not supported at offset 0" },
	/* functions */
	{ "{{foo .Name}}", "template: unknown function \"foo\" at offset 2" },
	{ "{{.Name | bar}}", "template: unknown function \"bar\" at offset 10" },
	{ "{{len}}", "template: wrong number of args for len: want 1 got 0" },
	{ "{{.Name | len 1}}", "template: wrong number of args for len: want 1 got 2" },
	{ "{{printf}}", "template: wrong number of args for printf: want at least 1 got 0" },
	{ "{{index .Config.Env 5}}", "template: index: index out of range: 5" },
	{ "{{index .Name 0}}", "template: index: can't index a string with an integer" },
	{ "{{upper .State.Pid}}", "template: upper: expected a string, got an integer" },
	{ "{{join .Name \",\"}}", "template: join: expected an array, got a string" },
	{ "{{len .State.Pid}}", "template: len: can't take the length of an integer" },
	{ "{{lt .Name 1}}",
	  "template: lt: incompatible types for comparison: a string and an integer" },
	{ "{{printf .State.Pid}}", "template: printf: the format must be a string, got an integer" },
};

static int setup(void **state)
{
	json_error_t je;
	json_t *doc = json_loads(inspect_json, 0, &je);

	if (!doc)
		fail_msg("bad test document: %s at %d:%d", je.text, je.line, je.column);
	*state = doc;
	return 0;
}

static int teardown(void **state)
{
	json_decref(*state);
	return 0;
}

static void test_render(void **state)
{
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct berth_error err = { 0 };
		char *out = NULL;
		int r = berth_template_render(c->tmpl, *state, &out, &err);

		if (r != 0)
			fail_msg("%s: failed with %d: %s", c->tmpl, r, err.msg);
		if (strcmp(out, c->want))
			fail_msg("%s: got \"%s\", want \"%s\"", c->tmpl, out, c->want);
		free(out);
	}
}

static void test_errors(void **state)
{
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct berth_error err = { 0 };
		char *out = (char *)"untouched";
		int r = berth_template_render(c->tmpl, *state, &out, &err);

		if (r != -EINVAL)
			fail_msg("%s: returned %d (output \"%s\"), want -EINVAL", c->tmpl, r,
				 r == 0 ? out : "");
		assert_null(out);
		assert_int_equal(err.code, -EINVAL);
		if (strcmp(err.msg, c->msg))
			fail_msg("%s: message \"%s\", want \"%s\"", c->tmpl, err.msg, c->msg);
		/* the same failure without an error struct */
		assert_int_equal(berth_template_render(c->tmpl, *state, &out, NULL), -EINVAL);
	}
}

/* Deep nesting is refused rather than recursing without bound. */
static void test_nesting(void **state)
{
	struct berth_error err = { 0 };
	size_t depth = 500, n = 0;
	char *tmpl = malloc(depth * 20 + 16), *out = NULL;

	assert_non_null(tmpl);
	n += (size_t)sprintf(tmpl + n, "{{");
	for (size_t i = 0; i < depth; i++)
		tmpl[n++] = '(';
	n += (size_t)sprintf(tmpl + n, ".Name");
	for (size_t i = 0; i < depth; i++)
		tmpl[n++] = ')';
	strcpy(tmpl + n, "}}");
	assert_int_equal(berth_template_render(tmpl, *state, &out, &err), -EINVAL);
	assert_string_equal(err.msg, "template: nesting too deep at offset 102");

	n = 0;
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(tmpl + n, "{{if 1}}");
	tmpl[n] = '\0';
	assert_int_equal(berth_template_render(tmpl, *state, &out, &err), -EINVAL);
	assert_string_equal(err.msg, "template: nesting too deep at offset 800");

	/* 50 levels are fine */
	n = 0;
	for (size_t i = 0; i < 50; i++)
		n += (size_t)sprintf(tmpl + n, "{{with .}}");
	n += (size_t)sprintf(tmpl + n, "{{.Name}}");
	for (size_t i = 0; i < 50; i++)
		n += (size_t)sprintf(tmpl + n, "{{end}}");
	assert_int_equal(berth_template_render(tmpl, *state, &out, &err), 0);
	assert_string_equal(out, "/web");
	free(out);
	free(tmpl);
}

static void test_scalar_root_and_args(void **state)
{
	struct berth_error err = { 0 };
	json_t *s = json_string("just text");
	char *out = NULL;

	assert_int_equal(berth_template_render("[{{.}}] {{len $}}", s, &out, &err), 0);
	assert_string_equal(out, "[just text] 9");
	free(out);
	json_decref(s);
	assert_int_equal(berth_template_render(NULL, *state, &out, &err), -EINVAL);
	assert_int_equal(berth_template_render("x", NULL, &out, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scalar_root_and_args, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
