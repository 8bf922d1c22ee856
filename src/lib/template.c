/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A subset of Go's text/template, as `docker inspect -f` users write it. A
 * small recursive-descent parser builds an AST, which is then evaluated over
 * a jansson value into a growable buffer. Values are jansson references:
 * every evaluation step hands back a new one.
 */
#include "template.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_DEPTH 100  /* nesting of control structures and parentheses */
#define MAX_WIDTH 9999 /* printf width and precision */

__attribute__((format(printf, 2, 3)))
static int fail(struct berth_error *err, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return berth_errmsg(err, -EINVAL, "template: %s", msg);
}

/* ---- growable buffer; running out of memory is sticky ---- */

struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static char *buf_reserve(struct buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 64;

	if (b->oom)
		return NULL;
	if (b->len + n >= b->cap) {
		while (cap <= b->len + n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return NULL;
		}
		b->s = s;
		b->cap = cap;
	}
	return b->s + b->len;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	char *p = buf_reserve(b, n);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
		b->len += n;
	}
}

static void buf_str(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3)))
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(p = buf_reserve(b, (size_t)n))) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Move the buffer into a new jansson string. */
static int buf_take(struct buf *b, json_t **res)
{
	*res = b->oom ? NULL : json_stringn_nocheck(b->s ? b->s : "", b->len);
	free(b->s);
	return *res ? 0 : -ENOMEM;
}

static int grow(void *arrp, size_t *cap, size_t n, size_t size)
{
	void **arr = arrp, *a;
	size_t nc = *cap ? *cap * 2 : 4;

	if (n < *cap)
		return 0;
	if (!(a = reallocarray(*arr, nc, size)))
		return -ENOMEM;
	*arr = a;
	*cap = nc;
	return 0;
}

/* ---- values: Go's truth, fmt and encoding/json forms ---- */

static const char *const type_descs[] = {
	[JSON_OBJECT] = "an object",   [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
	[JSON_INTEGER] = "an integer", [JSON_REAL] = "a real",    [JSON_TRUE] = "a boolean",
	[JSON_FALSE] = "a boolean",    [JSON_NULL] = "null",
};
#define DESC(v) type_descs[json_typeof(v)]

/* Go's type names, for printf's %!verb(type=value) */
static const char *const go_types[] = {
	[JSON_OBJECT] = "map[string]interface {}", [JSON_ARRAY] = "[]interface {}",
	[JSON_STRING] = "string", [JSON_INTEGER] = "int", [JSON_REAL] = "float64",
	[JSON_TRUE] = "bool",     [JSON_FALSE] = "bool",  [JSON_NULL] = "<nil>",
};

static bool truth(json_t *v)
{
	return json_is_true(v) || json_array_size(v) || json_object_size(v) ||
	       (json_is_string(v) && json_string_length(v)) ||
	       (json_is_number(v) && json_number_value(v) != 0);
}

static bool as_int(json_t *v, json_int_t *i)
{
	double d = json_is_real(v) ? json_real_value(v) : 0.5;

	if (json_is_integer(v)) {
		*i = json_integer_value(v);
		return true;
	}
	*i = d > -9.2e18 && d < 9.2e18 ? (json_int_t)d : 0;
	return (double)*i == d;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Object keys in Go's map order (sorted), NULL-terminated; NULL without memory. */
static const char **sorted_keys(json_t *obj)
{
	size_t n = 0;
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));

	if (!keys)
		return NULL;
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it))
		keys[n++] = json_object_iter_key(it);
	qsort(keys, n, sizeof(*keys), cmp_key);
	return keys;
}

/* The shortest round-trip form of d, laid out like Go's %v (json = false)
 * or encoding/json (json = true). */
static void fmt_real(struct buf *b, double d, bool json)
{
	char tmp[400], *e;
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
	int exp = atoi(strchr(tmp, 'e') + 1);
	double a = d < 0 ? -d : d;
	if (json ? a == 0 || (a >= 1e-6 && a < 1e21) : exp >= -4 && exp < 6)
		snprintf(tmp, sizeof(tmp), "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
	else if (json && (e = strstr(tmp, "e-0"))) /* Go writes 1e-7, not 1e-07 */
		memmove(e + 2, e + 3, strlen(e + 3) + 1);
	buf_str(b, tmp);
}

/* Go's fmt %v: strings raw, map[k1:v1 k2:v2] sorted by key, [a b c]. A
 * top-level null prints as text/template's "<no value>". */
static void fmt_value(struct buf *b, json_t *v, bool top)
{
	const char **keys;

	switch (json_typeof(v)) {
	case JSON_STRING: buf_add(b, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: fmt_real(b, json_real_value(v), false); break;
	case JSON_TRUE: buf_str(b, "true"); break;
	case JSON_FALSE: buf_str(b, "false"); break;
	case JSON_NULL: buf_str(b, top ? "<no value>" : "<nil>"); break;
	case JSON_ARRAY:
		buf_str(b, "[");
		for (size_t i = 0; i < json_array_size(v); i++) {
			buf_str(b, i ? " " : "");
			fmt_value(b, json_array_get(v, i), false);
		}
		buf_str(b, "]");
		break;
	case JSON_OBJECT:
		if (!(keys = sorted_keys(v))) {
			b->oom = true;
			break;
		}
		buf_str(b, "map[");
		for (size_t i = 0; keys[i]; i++) {
			buf_printf(b, "%s%s:", i ? " " : "", keys[i]);
			fmt_value(b, json_object_get(v, keys[i]), false);
		}
		buf_str(b, "]");
		free(keys);
		break;
	}
}

/* "type=value" as in Go's %!d(string=foo), or "<nil>" */
static void fmt_typed(struct buf *b, json_t *v)
{
	buf_printf(b, "%s%s", go_types[json_typeof(v)], json_is_null(v) ? "" : "=");
	if (!json_is_null(v))
		fmt_value(b, v, false);
}

static void json_str(struct buf *b, const char *s, size_t n)
{
	buf_str(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n' || c == '\r' || c == '\t')
			buf_str(b, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			buf_printf(b, "\\u%04x", c);
		else if (c == 0xe2 && i + 2 < n && !memcmp(s + i + 1, "\x80\xa8", 2))
			buf_str(b, (i += 2, "\\u2028"));
		else if (c == 0xe2 && i + 2 < n && !memcmp(s + i + 1, "\x80\xa9", 2))
			buf_str(b, (i += 2, "\\u2029"));
		else
			buf_add(b, s + i, 1);
	}
	buf_str(b, "\"");
}

/* Compact JSON as Go's encoding/json writes it: HTML-safe escapes, no
 * trailing newline; objects keep their order, like Docker's structs. */
static void json_enc(struct buf *b, json_t *v)
{
	const char *key;
	json_t *val;
	size_t i = 0;

	switch (json_typeof(v)) {
	case JSON_STRING: json_str(b, json_string_value(v), json_string_length(v)); break;
	case JSON_REAL: fmt_real(b, json_real_value(v), true); break;
	case JSON_NULL: buf_str(b, "null"); break;
	case JSON_ARRAY:
		buf_str(b, "[");
		json_array_foreach(v, i, val) {
			buf_str(b, i ? "," : "");
			json_enc(b, val);
		}
		buf_str(b, "]");
		break;
	case JSON_OBJECT:
		buf_str(b, "{");
		json_object_foreach(v, key, val) {
			buf_str(b, i++ ? "," : "");
			json_str(b, key, strlen(key));
			buf_str(b, ":");
			json_enc(b, val);
		}
		buf_str(b, "}");
		break;
	default: fmt_value(b, v, false); break;
	}
}

/* ---- AST; all of it lives in the parser's allocation chain ---- */

struct exec;
struct func;
struct pipeline;

enum expr_kind { E_DOT, E_VAR, E_PIPE, E_FUNC, E_LIT };

struct expr {
	enum expr_kind kind;
	size_t pos, fpos, end; /* source span; its field chain ".A.B" is [fpos, end) */
	char *var;             /* E_VAR: "$name" */
	json_t *lit;           /* E_LIT, owned by the parser */
	const struct func *fn; /* E_FUNC */
	struct pipeline *pipe; /* E_PIPE: ( pipeline ) */
	struct expr *next;     /* the command's next argument */
};

struct command {
	struct expr *args;
	size_t nargs;
	struct command *next;
};

struct pipeline {
	size_t pos, end;
	char *decl[2]; /* $x := or, in range, $k, $v := */
	size_t ndecl;
	struct command *cmds;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };

static const char *const kind_names[] = { [N_IF] = "if", [N_RANGE] = "range", [N_WITH] = "with" };

struct node {
	enum node_kind kind;
	const char *text; /* N_TEXT, pointing into the template */
	size_t len;
	struct pipeline *pipe;
	struct node *list, *else_list;
	struct node *next;
};

typedef int (*func_fn)(struct exec *ex, const struct func *f, json_t **a, size_t n,
		       json_t **res);

struct func {
	const char *name;
	int min, max; /* argument count; max < 0: variadic */
	func_fn fn;   /* NULL: and/or, which evaluate their arguments lazily */
};

static const struct func *find_func(const char *name, size_t len);

/* ---- lexer ---- */

enum tok { T_END, T_FIELD, T_DOT, T_VAR, T_IDENT, T_STRING, T_RAW, T_NUMBER,
	   T_LPAREN, T_RPAREN, T_PIPE, T_COMMA, T_DECLARE };

struct token {
	enum tok type;
	size_t start, end;
	bool trim; /* T_END was " -}}" */
};

struct parser {
	const char *src;
	size_t len, pos;
	size_t action; /* offset of the current "{{" */
	bool trim_next;
	int depth;
	const char **vars; /* variables in scope */
	size_t nvars, capvars;
	struct alloc *allocs; /* everything the AST points to */
	json_t *lits;
	struct berth_error *err;
};

struct alloc {
	struct alloc *next;
	max_align_t data[];
};

/* Zeroed memory that lives as long as the parser. */
static void *palloc(struct parser *p, size_t size)
{
	struct alloc *a = calloc(1, sizeof(*a) + size);

	if (!a)
		return NULL;
	a->next = p->allocs;
	p->allocs = a;
	return a->data;
}

static char *pstrndup(struct parser *p, const char *s, size_t n)
{
	char *d = palloc(p, n + 1);

	return d ? memcpy(d, s, n) : NULL;
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool is_ident_start(char c) { return is_ident(c) && !isdigit((unsigned char)c); }

/* Read the token at p->pos without consuming it: callers set p->pos = t->end. */
static int lex(struct parser *p, struct token *t)
{
	static const char singles[] = "()|,";
	const char *s = p->src, *q;
	size_t i = p->pos, j;

	while (i < p->len && isspace((unsigned char)s[i]))
		i++;
	*t = (struct token){ .start = i, .end = i + 1 };
	if (i >= p->len)
		return fail(p->err, "unterminated action at offset %zu", p->action);
	char c = s[i];
	if (!strncmp(s + i, "}}", 2) ||
	    (c == '-' && isspace((unsigned char)s[i - 1]) && !strncmp(s + i + 1, "}}", 2))) {
		t->type = T_END;
		t->trim = c == '-';
		t->end = i + 2 + t->trim;
	} else if ((q = strchr(singles, c))) {
		t->type = (enum tok[]){ T_LPAREN, T_RPAREN, T_PIPE, T_COMMA }[q - singles];
	} else if (c == ':' && s[i + 1] == '=') {
		t->type = T_DECLARE;
		t->end = i + 2;
	} else if (c == '"' || c == '`') {
		for (j = i + 1; j < p->len && s[j] != c && !(c == '"' && s[j] == '\n'); j++)
			j += c == '"' && s[j] == '\\' && j + 1 < p->len;
		if (j >= p->len || s[j] != c)
			return fail(p->err, "unterminated quoted string at offset %zu", i);
		t->type = c == '"' ? T_STRING : T_RAW;
		t->end = j + 1;
	} else if (isdigit((unsigned char)c) ||
		   (strchr("+-.", c) && isdigit((unsigned char)s[i + 1]))) {
		for (j = i + 1; isalnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '_' ||
				((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E'));
		     j++)
			;
		t->type = T_NUMBER;
		t->end = j;
	} else if (c == '$' || c == '.' || is_ident_start(c)) {
		for (j = i + 1; is_ident(s[j]); j++)
			;
		t->type = c == '$' ? T_VAR : c != '.' ? T_IDENT : j > i + 1 ? T_FIELD : T_DOT;
		t->end = j;
	} else {
		return fail(p->err, isprint((unsigned char)c) ? "unexpected '%c' in action at offset %zu"
							      : "unexpected byte %#x in action at offset %zu",
			    (unsigned char)c, i);
	}
	return 0;
}

static bool tok_is(const struct parser *p, const struct token *t, const char *word)
{
	size_t n = strlen(word);

	return t->type == T_IDENT && t->end - t->start == n && !memcmp(p->src + t->start, word, n);
}

static int expect(struct parser *p, enum tok type, const char *what)
{
	struct token t;
	int r = lex(p, &t);

	if (r < 0)
		return r;
	if (t.type != type)
		return fail(p->err, "unexpected \"%.*s\" in %s at offset %zu",
			    (int)(t.end - t.start), p->src + t.start, what, t.start);
	p->pos = t.end;
	p->trim_next = t.trim;
	return 0;
}

static bool var_defined(const struct parser *p, const char *name)
{
	for (size_t i = p->nvars; i-- > 0;)
		if (!strcmp(p->vars[i], name))
			return true;
	return false;
}

/* ---- parser ---- */

static int parse_literal(struct parser *p, const struct token *t, struct expr *e)
{
	size_t n = t->end - t->start;
	const char *s = p->src + t->start;
	char tmp[64], *end;
	json_error_t je;

	e->kind = E_LIT;
	if (t->type == T_RAW) {
		e->lit = json_stringn_nocheck(s + 1, n - 2);
	} else if (t->type == T_STRING) { /* Go's escapes, as far as JSON has them */
		e->lit = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!e->lit)
			return fail(p->err, "bad string %.*s at offset %zu: %s", (int)n, s, t->start,
				    je.text);
	} else {
		if (n >= sizeof(tmp))
			goto bad;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		errno = 0;
		long long i = strtoll(tmp, &end, 0);
		if (!*end && !errno) {
			e->lit = json_integer(i);
		} else {
			errno = 0;
			double d = strtod(tmp, &end);
			if (*end || errno)
				goto bad;
			e->lit = json_real(d);
		}
	}
	return e->lit && !json_array_append_new(p->lits, e->lit) ? 0 : -ENOMEM;
bad:
	return fail(p->err, "bad number syntax \"%.*s\" at offset %zu", (int)n, s, t->start);
}

static int parse_pipeline(struct parser *p, size_t maxdecl, enum tok close,
			  struct pipeline **out);

static int parse_operand(struct parser *p, struct expr **out)
{
	struct expr *e = palloc(p, sizeof(*e));
	struct token t;
	int r = lex(p, &t);

	if (r < 0 || !e)
		return r < 0 ? r : -ENOMEM;
	e->pos = t.start;
	p->pos = t.end;
	switch (t.type) {
	case T_FIELD:
		p->pos = t.start; /* the field loop below reads it */
		/* fall through */
	case T_DOT:
		e->kind = E_DOT;
		break;
	case T_VAR:
		e->kind = E_VAR;
		if (!(e->var = pstrndup(p, p->src + t.start, t.end - t.start)))
			return -ENOMEM;
		if (!var_defined(p, e->var))
			return fail(p->err, "undefined variable \"%s\" at offset %zu", e->var, t.start);
		break;
	case T_LPAREN:
		if (++p->depth > MAX_DEPTH)
			return fail(p->err, "nesting too deep at offset %zu", t.start);
		e->kind = E_PIPE;
		r = parse_pipeline(p, 0, T_RPAREN, &e->pipe);
		p->depth--;
		break;
	case T_STRING:
	case T_RAW:
	case T_NUMBER:
		r = parse_literal(p, &t, e);
		break;
	case T_IDENT:
		e->kind = E_LIT;
		if (tok_is(p, &t, "true") || tok_is(p, &t, "false"))
			e->lit = json_boolean(tok_is(p, &t, "true"));
		else if (tok_is(p, &t, "nil"))
			e->lit = json_null();
		else if ((e->fn = find_func(p->src + t.start, t.end - t.start)))
			e->kind = E_FUNC;
		else
			return fail(p->err, "unknown function \"%.*s\" at offset %zu",
				    (int)(t.end - t.start), p->src + t.start, t.start);
		break;
	default:
		return fail(p->err, "unexpected \"%.*s\" in operand at offset %zu",
			    (int)(t.end - t.start), p->src + t.start, t.start);
	}
	if (r < 0)
		return r;
	e->fpos = p->pos;
	while (t.type != T_DOT && e->kind <= E_PIPE && p->src[p->pos] == '.' &&
	       is_ident_start(p->src[p->pos + 1]))
		for (p->pos++; is_ident(p->src[p->pos]); p->pos++)
			;
	e->end = p->pos;
	*out = e;
	return 0;
}

/* "$x :=" or, in range, "$k, $v :=" */
static int parse_decl(struct parser *p, size_t maxdecl, struct pipeline *pl)
{
	struct token v[2], t;
	size_t n = 0, save = p->pos;
	int r;

	while (n < maxdecl) {
		if ((r = lex(p, &v[n])) < 0)
			return r;
		if (v[n].type != T_VAR)
			break;
		p->pos = v[n++].end;
		if ((r = lex(p, &t)) < 0)
			return r;
		if (t.type == T_DECLARE) {
			p->pos = t.end;
			for (size_t i = 0; i < n; i++)
				if (!(pl->decl[pl->ndecl++] = pstrndup(p, p->src + v[i].start,
								       v[i].end - v[i].start)))
					return -ENOMEM;
			return 0;
		}
		if (t.type != T_COMMA)
			break;
		p->pos = t.end;
	}
	if (n > 1)
		return fail(p->err, "expected := after range variables at offset %zu", p->pos);
	p->pos = save;
	return 0;
}

/* Commands separated by '|' up to close (T_END or T_RPAREN), consumed. */
static int parse_pipeline(struct parser *p, size_t maxdecl, enum tok close,
			  struct pipeline **out)
{
	struct pipeline *pl = palloc(p, sizeof(*pl));
	struct command **tail, *c;
	struct token t;
	int r = lex(p, &t);

	if (r < 0 || !pl)
		return r < 0 ? r : -ENOMEM;
	tail = &pl->cmds;
	pl->pos = t.start;
	if ((r = parse_decl(p, maxdecl, pl)) < 0)
		return r;
	do {
		if (!(c = *tail = palloc(p, sizeof(*c))))
			return -ENOMEM;
		struct expr **arg = &c->args;
		while ((r = lex(p, &t)) == 0 && t.type != T_PIPE && t.type != close) {
			if (t.type == T_END || t.type == T_RPAREN)
				return fail(p->err, t.type == T_END ? "unclosed left paren at offset %zu"
								     : "unexpected \")\" at offset %zu",
					    t.start);
			if ((r = parse_operand(p, arg)) < 0)
				return r;
			arg = &(*arg)->next;
			c->nargs++;
		}
		if (r < 0)
			return r;
		if (!c->nargs)
			return fail(p->err, "missing value for command at offset %zu", t.start);
		struct expr *first = c->args;
		if (first->kind == E_LIT && json_is_null(first->lit))
			return fail(p->err, "nil is not a command at offset %zu", first->pos);
		if (first->kind != E_FUNC && (c->nargs > 1 || c != pl->cmds))
			return fail(p->err, "can't give argument to non-function %.*s at offset %zu",
				    (int)(first->end - first->pos), p->src + first->pos, first->pos);
		p->pos = t.end;
		tail = &c->next;
	} while (t.type == T_PIPE);
	pl->end = t.start;
	p->trim_next = t.trim;
	for (size_t i = 0; i < pl->ndecl; i++) {
		if (grow(&p->vars, &p->capvars, p->nvars, sizeof(*p->vars)) < 0)
			return -ENOMEM;
		p->vars[p->nvars++] = pl->decl[i];
	}
	*out = pl;
	return 0;
}

enum term { TERM_EOF, TERM_END, TERM_ELSE, TERM_ELSE_IF, TERM_ELSE_WITH };

static int parse_list(struct parser *p, struct node **list, enum term *term);

/* Fill n (already linked into its list) from after the keyword to {{end}}. */
static int parse_control(struct parser *p, enum node_kind kind, size_t pos, struct node *n)
{
	size_t mark = p->nvars;
	enum term term;
	struct token t;
	int r;

	if (++p->depth > MAX_DEPTH)
		return fail(p->err, "nesting too deep at offset %zu", pos);
	n->kind = kind;
	if ((r = parse_pipeline(p, kind == N_RANGE ? 2 : 1, T_END, &n->pipe)) < 0 ||
	    (r = parse_list(p, &n->list, &term)) < 0)
		return r;
	if (term == TERM_ELSE) {
		if ((r = parse_list(p, &n->else_list, &term)) < 0)
			return r;
		if (term != TERM_END && term != TERM_EOF)
			return fail(p->err, "unexpected {{else}} at offset %zu", p->action);
	} else if (term == TERM_ELSE_IF || term == TERM_ELSE_WITH) {
		/* {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}} */
		if (kind != (term == TERM_ELSE_IF ? N_IF : N_WITH))
			return fail(p->err, "unexpected {{else %s}} in {{%s}} at offset %zu",
				    term == TERM_ELSE_IF ? "if" : "with", kind_names[kind], p->action);
		if ((r = lex(p, &t)) < 0)
			return r;
		p->pos = t.end;
		if (!(n->else_list = palloc(p, sizeof(*n->else_list))))
			return -ENOMEM;
		if ((r = parse_control(p, kind, t.start, n->else_list)) < 0)
			return r;
		term = TERM_END;
	}
	if (term == TERM_EOF)
		return fail(p->err, "unexpected EOF: missing {{end}} for {{%s}} at offset %zu",
			    kind_names[kind], pos);
	p->nvars = mark;
	p->depth--;
	return 0;
}

static struct node *append(struct parser *p, struct node ***tail, enum node_kind kind)
{
	struct node *n = palloc(p, sizeof(*n));

	if (n) {
		n->kind = kind;
		**tail = n;
		*tail = &n->next;
	}
	return n;
}

/* Text and actions up to EOF, {{end}} or {{else ...}}, left after "else". */
static int parse_list(struct parser *p, struct node **list, enum term *term)
{
	static const char *const unsupported[] = { "define", "template", "block", "break",
						   "continue" };
	const char *s = p->src;
	struct node **tail = list, *n;
	struct token t;
	int r;

	for (;;) {
		const char *open = strstr(s + p->pos, "{{");
		size_t start = p->pos, stop = open ? (size_t)(open - s) : p->len, tstop = stop;
		bool ltrim = open && open[2] == '-' && isspace((unsigned char)open[3]);
		while (p->trim_next && start < stop && isspace((unsigned char)s[start]))
			start++;
		while (ltrim && tstop > start && isspace((unsigned char)s[tstop - 1]))
			tstop--;
		p->trim_next = false;
		if (tstop > start) {
			if (!(n = append(p, &tail, N_TEXT)))
				return -ENOMEM;
			n->text = s + start;
			n->len = tstop - start;
		}
		if (!open) {
			p->pos = p->len;
			*term = TERM_EOF;
			return 0;
		}
		p->action = stop;
		p->pos = stop + (ltrim ? 4 : 2);
		if (!strncmp(s + p->pos, "/*", 2)) {
			const char *end = strstr(s + p->pos + 2, "*/");
			if (!end)
				return fail(p->err, "unclosed comment at offset %zu", stop);
			p->pos = (size_t)(end - s) + 2;
			if ((r = expect(p, T_END, "comment")) < 0)
				return r;
			continue;
		}
		if ((r = lex(p, &t)) < 0)
			return r;
		if (tok_is(p, &t, "end") || tok_is(p, &t, "else")) {
			*term = tok_is(p, &t, "end") ? TERM_END : TERM_ELSE;
			p->pos = t.end;
			if (*term == TERM_ELSE && (r = lex(p, &t)) < 0)
				return r;
			if (tok_is(p, &t, "if") || tok_is(p, &t, "with"))
				*term = tok_is(p, &t, "if") ? TERM_ELSE_IF : TERM_ELSE_WITH;
			return *term <= TERM_ELSE ? expect(p, T_END, "{{end}} or {{else}}") : 0;
		}
		for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
			if (tok_is(p, &t, unsupported[i]))
				return fail(p->err, "{{%s}} is not supported at offset %zu",
					    unsupported[i], stop);
		enum node_kind kind = tok_is(p, &t, "if") ? N_IF : tok_is(p, &t, "range") ? N_RANGE
				    : tok_is(p, &t, "with") ? N_WITH : N_ACTION;
		if (!(n = append(p, &tail, kind)))
			return -ENOMEM;
		if (kind == N_ACTION) {
			r = parse_pipeline(p, 1, T_END, &n->pipe);
		} else {
			p->pos = t.end;
			r = parse_control(p, kind, stop, n);
		}
		if (r < 0)
			return r;
	}
}

/* ---- functions ---- */

struct var {
	const char *name;
	json_t *val;
};

struct exec {
	const char *src;
	struct buf out;
	struct var *vars; /* a stack; "$" is the root */
	size_t nvars, cap;
	struct berth_error *err;
};

static int want_string(struct exec *ex, const struct func *f, json_t *v)
{
	if (json_is_string(v))
		return 0;
	return fail(ex->err, "%s: expected a string, got %s", f->name, DESC(v));
}

static int fn_not(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	*res = json_boolean(!truth(a[0]));
	return 0;
}

/* Numbers compare by value, whatever their JSON type; the rest by json_equal. */
static bool equal(json_t *x, json_t *y)
{
	if (json_is_integer(x) && json_is_integer(y))
		return json_integer_value(x) == json_integer_value(y);
	if (json_is_number(x) && json_is_number(y))
		return json_number_value(x) == json_number_value(y);
	return json_equal(x, y);
}

/* eq, ne, lt, le, gt, ge. "eq a b c" is a == b || a == c, as in Go. */
static int fn_cmp(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	json_t *x = a[0], *y = a[1];
	bool v = false;
	int c;

	if (f->name[1] == 'q' || f->name[0] == 'n') {
		for (size_t i = 1; i < n && !v; i++)
			v = equal(x, a[i]);
		*res = json_boolean(v == (f->name[0] == 'e'));
		return 0;
	}
	if (json_is_number(x) && json_is_number(y)) {
		json_int_t i = json_integer_value(x), j = json_integer_value(y);
		double d = json_number_value(x), e = json_number_value(y);
		c = json_is_integer(x) && json_is_integer(y) ? (i > j) - (i < j) : (d > e) - (d < e);
	} else if (json_is_string(x) && json_is_string(y)) {
		size_t lx = json_string_length(x), ly = json_string_length(y);
		c = memcmp(json_string_value(x), json_string_value(y), lx < ly ? lx : ly);
		c = c ? c : (lx > ly) - (lx < ly);
	} else {
		return fail(ex->err, "%s: incompatible types for comparison: %s and %s", f->name,
			    DESC(x), DESC(y));
	}
	v = f->name[0] == 'l' ? c < 0 || (f->name[1] == 'e' && !c)
			      : c > 0 || (f->name[1] == 'e' && !c);
	*res = json_boolean(v);
	return 0;
}

/* len: null counts as empty, like a nil slice in Docker's structs. */
static int fn_len(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	json_t *v = a[0];

	if (!json_is_string(v) && !json_is_array(v) && !json_is_object(v) && !json_is_null(v))
		return fail(ex->err, "len: can't take the length of %s", DESC(v));
	*res = json_integer((json_int_t)(json_string_length(v) + json_array_size(v) +
					 json_object_size(v)));
	return *res ? 0 : -ENOMEM;
}

/* index X k1 k2...: objects by string key (missing: null), arrays by integer. */
static int fn_index(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	json_t *v = a[0];
	json_int_t i;

	for (size_t k = 1; k < n; k++) {
		if (json_is_object(v) && json_is_string(a[k])) {
			v = json_object_getn(v, json_string_value(a[k]), json_string_length(a[k]));
			v = v ? v : json_null();
		} else if (json_is_array(v) && as_int(a[k], &i)) {
			if (i < 0 || (size_t)i >= json_array_size(v))
				return fail(ex->err, "index: index out of range: %" JSON_INTEGER_FORMAT, i);
			v = json_array_get(v, (size_t)i);
		} else {
			return fail(ex->err, "index: can't index %s with %s", DESC(v), DESC(a[k]));
		}
	}
	*res = json_incref(v);
	return 0;
}

static int fn_json(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	struct buf b = { 0 };

	json_enc(&b, a[0]);
	return buf_take(&b, res);
}

static int fn_join(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	struct buf b = { 0 };
	json_t *v;
	size_t i;
	int r = want_string(ex, f, a[1]);

	if (r < 0)
		return r;
	if (!json_is_array(a[0]) && !json_is_null(a[0]))
		return fail(ex->err, "join: expected an array, got %s", DESC(a[0]));
	json_array_foreach(a[0], i, v) {
		if (i)
			buf_add(&b, json_string_value(a[1]), json_string_length(a[1]));
		fmt_value(&b, v, false);
	}
	return buf_take(&b, res);
}

static int fn_split(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	int r = want_string(ex, f, a[0]);

	if (r < 0 || (r = want_string(ex, f, a[1])) < 0)
		return r;
	const char *s = json_string_value(a[0]), *end = s + json_string_length(a[0]), *m;
	const char *sep = json_string_value(a[1]);
	size_t seplen = json_string_length(a[1]), k;
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	if (!seplen) { /* like Go: one element per UTF-8 sequence */
		for (; s < end && r == 0; s += k) {
			for (k = 1; s + k < end && (s[k] & 0xc0) == 0x80; k++)
				;
			r = json_array_append_new(arr, json_stringn_nocheck(s, k));
		}
	} else {
		for (; r == 0 && (m = memmem(s, (size_t)(end - s), sep, seplen)); s = m + seplen)
			r = json_array_append_new(arr, json_stringn_nocheck(s, (size_t)(m - s)));
		r = r ? r : json_array_append_new(arr, json_stringn_nocheck(s, (size_t)(end - s)));
	}
	if (r) {
		json_decref(arr);
		return -ENOMEM;
	}
	*res = arr;
	return 0;
}

/* upper, lower, title; ASCII letters only. */
static int fn_case(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	struct buf b = { 0 };
	bool word_start = true;
	int r = want_string(ex, f, a[0]);

	if (r < 0)
		return r;
	buf_add(&b, json_string_value(a[0]), json_string_length(a[0]));
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.s[i];
		if (f->name[0] == 'u' || (f->name[0] == 't' && word_start))
			b.s[i] = (char)toupper(c);
		else if (f->name[0] == 'l')
			b.s[i] = (char)tolower(c);
		word_start = !is_ident((char)c);
	}
	return buf_take(&b, res);
}

/* print (a space between operands when neither is a string) and println */
static int fn_print(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	struct buf b = { 0 };
	bool ln = f->name[5] == 'l';

	for (size_t i = 0; i < n; i++) {
		if (i && (ln || (!json_is_string(a[i - 1]) && !json_is_string(a[i]))))
			buf_str(&b, " ");
		fmt_value(&b, a[i], false);
	}
	buf_str(&b, ln ? "\n" : "");
	return buf_take(&b, res);
}

/* Go's strconv.Quote for ASCII control characters; other bytes pass. */
static void quote(struct buf *b, const char *s, size_t n)
{
	static const char esc[] = "\a\b\f\n\r\t\v", rep[] = "abfnrtv";
	const char *e;

	buf_str(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c && (e = strchr(esc, c)))
			buf_printf(b, "\\%c", rep[e - esc]);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_add(b, s + i, 1);
	}
	buf_str(b, "\"");
}

struct spec {
	char flags[6];
	int width, prec;
	char verb;
};

/* One printf verb: %d %x %X %o on integers, %e %f %g on numbers, %s %v %q %t. */
static void fmt_verb(struct buf *b, const struct spec *sp, json_t *v)
{
	char f[32], c = sp->verb;
	struct buf t = { 0 };
	json_int_t i;
	bool num = c && strchr("eEfFgG", c) && json_is_number(v);

	if (c && strchr("dxXo", c) && as_int(v, &i)) {
		snprintf(f, sizeof(f), "%%%s*.*ll%c", sp->flags, c);
		buf_printf(b, f, sp->width, sp->prec, (long long)i);
		return;
	}
	if (num && (sp->prec >= 0 || (c != 'g' && c != 'G'))) {
		snprintf(f, sizeof(f), "%%%s*.*%c", sp->flags, c);
		buf_printf(b, f, sp->width, sp->prec, json_number_value(v));
		return;
	}
	if (num)
		fmt_real(&t, json_number_value(v), false);
	else if (c == 'v' || (c == 't' && json_is_boolean(v)) ||
		 (c == 's' && (json_is_string(v) || json_is_array(v) || json_is_object(v))))
		fmt_value(&t, v, false);
	else if (c == 'q' && json_is_string(v))
		quote(&t, json_string_value(v), json_string_length(v));
	else {
		buf_printf(b, "%%!%c(", c);
		fmt_typed(b, v);
		buf_str(b, ")");
		return;
	}
	b->oom |= t.oom;
	buf_printf(b, "%*.*s", strchr(sp->flags, '-') ? -sp->width : sp->width, sp->prec,
		   t.s ? t.s : "");
	free(t.s);
}

static int fn_printf(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	struct buf b = { 0 };
	size_t ai = 1, i;

	if (!json_is_string(a[0]))
		return fail(ex->err, "printf: the format must be a string, got %s", DESC(a[0]));
	const char *s = json_string_value(a[0]);
	size_t len = json_string_length(a[0]);
	for (i = 0; i < len; i++) {
		struct spec sp = { .prec = -1 };
		size_t nf = 0;
		if (s[i] != '%') {
			buf_add(&b, s + i, 1);
			continue;
		}
		for (i++; i < len && s[i] && strchr("-+# 0", s[i]); i++)
			if (nf < sizeof(sp.flags) - 1)
				sp.flags[nf++] = s[i];
		for (; i < len && isdigit((unsigned char)s[i]); i++)
			sp.width = sp.width < MAX_WIDTH ? sp.width * 10 + s[i] - '0' : sp.width;
		if (i < len && s[i] == '.')
			for (sp.prec = 0, i++; i < len && isdigit((unsigned char)s[i]); i++)
				sp.prec = sp.prec < MAX_WIDTH ? sp.prec * 10 + s[i] - '0' : sp.prec;
		if (i >= len)
			buf_str(&b, "%!(NOVERB)");
		else if ((sp.verb = s[i]) == '%')
			buf_str(&b, "%");
		else if (ai >= n)
			buf_printf(&b, "%%!%c(MISSING)", sp.verb);
		else
			fmt_verb(&b, &sp, a[ai++]);
	}
	for (i = ai; i < n; i++) {
		buf_str(&b, i == ai ? "%!(EXTRA " : ", ");
		fmt_typed(&b, a[i]);
		buf_str(&b, i + 1 == n ? ")" : "");
	}
	return buf_take(&b, res);
}

static const struct func funcs[] = {
	{ "and", 1, -1, NULL },        { "eq", 2, -1, fn_cmp },       { "ge", 2, 2, fn_cmp },
	{ "gt", 2, 2, fn_cmp },        { "index", 1, -1, fn_index },  { "join", 2, 2, fn_join },
	{ "json", 1, 1, fn_json },     { "le", 2, 2, fn_cmp },        { "len", 1, 1, fn_len },
	{ "lower", 1, 1, fn_case },    { "lt", 2, 2, fn_cmp },        { "ne", 2, 2, fn_cmp },
	{ "not", 1, 1, fn_not },       { "or", 1, -1, NULL },         { "print", 0, -1, fn_print },
	{ "printf", 1, -1, fn_printf }, { "println", 0, -1, fn_print }, { "split", 2, 2, fn_split },
	{ "title", 1, 1, fn_case },    { "upper", 1, 1, fn_case },
};

static const struct func *find_func(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
		if (strlen(funcs[i].name) == len && !memcmp(funcs[i].name, name, len))
			return &funcs[i];
	return NULL;
}

/* ---- evaluation ---- */

static int push_var(struct exec *ex, const char *name, json_t *val)
{
	if (grow(&ex->vars, &ex->cap, ex->nvars, sizeof(*ex->vars)) < 0)
		return -ENOMEM;
	ex->vars[ex->nvars++] = (struct var){ .name = name, .val = json_incref(val) };
	return 0;
}

static void pop_vars(struct exec *ex, size_t mark)
{
	while (ex->nvars > mark)
		json_decref(ex->vars[--ex->nvars].val);
}

static int call(struct exec *ex, json_t *dot, const struct func *f, struct expr *args,
		size_t n, json_t *final, json_t **res);
static int eval_pipeline(struct exec *ex, json_t *dot, struct pipeline *pl, json_t **res);

static int eval_arg(struct exec *ex, json_t *dot, struct expr *e, json_t **res)
{
	json_t *v = NULL, *cur;
	int r = 0;

	switch (e->kind) {
	case E_DOT: v = json_incref(dot); break;
	case E_LIT: v = json_incref(e->lit); break;
	case E_PIPE: r = eval_pipeline(ex, dot, e->pipe, &v); break;
	case E_FUNC: r = call(ex, dot, e->fn, NULL, 0, NULL, &v); break;
	case E_VAR:
		for (size_t i = ex->nvars; !v && i-- > 0;)
			if (!strcmp(ex->vars[i].name, e->var))
				v = json_incref(ex->vars[i].val);
		if (!v)
			return fail(ex->err, "undefined variable \"%s\"", e->var);
		break;
	}
	if (r < 0)
		return r;
	cur = v;
	for (size_t i = e->fpos, n; i < e->end && r == 0; i += n + 1) {
		const char *name = ex->src + i + 1, *path = ex->src + e->pos;
		const char *dot_next = memchr(name, '.', e->end - i - 1);
		int plen = (int)(e->end - e->pos);
		n = dot_next ? (size_t)(dot_next - name) : e->end - i - 1;
		if (!json_is_object(cur))
			r = fail(ex->err, "can't evaluate field \"%.*s\" in %.*s: value is %s, not an object",
				 (int)n, name, plen, path, DESC(cur));
		else if (!(cur = json_object_getn(cur, name, n)))
			r = fail(ex->err, "no field \"%.*s\" in %.*s", (int)n, name, plen, path);
	}
	*res = r < 0 ? NULL : json_incref(cur);
	json_decref(v);
	return r;
}

static int call(struct exec *ex, json_t *dot, const struct func *f, struct expr *args,
		size_t n, json_t *final, json_t **res)
{
	size_t argc = n + (final != NULL);
	json_t **argv;
	int r = 0;

	if (argc < (size_t)f->min || (f->max >= 0 && argc > (size_t)f->max))
		return fail(ex->err, "wrong number of args for %s: want %s%d got %zu", f->name,
			    f->max < 0 ? "at least " : "", f->min, argc);
	for (size_t i = 0; !f->fn; i++) { /* and/or: the first false/true argument, or the last */
		json_t *v = i < n ? NULL : json_incref(final);
		if (i < n && (r = eval_arg(ex, dot, args, &v)) < 0)
			return r;
		args = i < n ? args->next : NULL;
		if (i + 1 == argc || truth(v) != (f->name[0] == 'a')) {
			*res = v;
			return 0;
		}
		json_decref(v);
	}
	if (!(argv = calloc(argc + 1, sizeof(*argv))))
		return -ENOMEM;
	for (size_t i = 0; args && r >= 0; args = args->next)
		r = eval_arg(ex, dot, args, &argv[i++]);
	if (final)
		argv[n] = json_incref(final);
	if (r >= 0)
		r = f->fn(ex, f, argv, argc, res);
	for (size_t i = 0; i < argc; i++)
		json_decref(argv[i]);
	free(argv);
	return r;
}

/* Each command's value is the last argument of the next, which the parser
 * made sure is a function call. */
static int eval_pipeline(struct exec *ex, json_t *dot, struct pipeline *pl, json_t **res)
{
	json_t *v = NULL;

	for (struct command *c = pl->cmds; c; c = c->next) {
		json_t *next = NULL;
		int r = c->args->kind == E_FUNC
			? call(ex, dot, c->args->fn, c->args->next, c->nargs - 1, v, &next)
			: eval_arg(ex, dot, c->args, &next);
		json_decref(v);
		if (r < 0)
			return r;
		v = next;
	}
	*res = v;
	return 0;
}

static int exec_list(struct exec *ex, struct node *n, json_t *dot);

static int range_one(struct exec *ex, struct node *n, json_t *key, json_t *elem)
{
	struct pipeline *pl = n->pipe;
	size_t mark = ex->nvars;
	int r = key ? 0 : -ENOMEM;

	if (r == 0 && pl->ndecl == 2)
		r = push_var(ex, pl->decl[0], key);
	if (r == 0 && pl->ndecl)
		r = push_var(ex, pl->decl[pl->ndecl - 1], elem);
	if (r == 0)
		r = exec_list(ex, n->list, elem);
	pop_vars(ex, mark);
	json_decref(key);
	return r;
}

/* Arrays in order, objects by sorted key; null iterates as empty. */
static int exec_range(struct exec *ex, struct node *n, json_t *dot)
{
	json_t *v = NULL;
	const char **keys = NULL;
	int r = eval_pipeline(ex, dot, n->pipe, &v);
	size_t count = json_array_size(v) + json_object_size(v);

	if (r == 0 && json_is_object(v) && !(keys = sorted_keys(v)))
		r = -ENOMEM;
	else if (r == 0 && !json_is_array(v) && !json_is_object(v) && !json_is_null(v))
		r = fail(ex->err, "range can't iterate over %.*s: value is %s",
			 (int)(n->pipe->end - n->pipe->pos), ex->src + n->pipe->pos, DESC(v));
	for (size_t i = 0; i < count && r == 0; i++)
		r = keys ? range_one(ex, n, json_string(keys[i]), json_object_get(v, keys[i]))
			 : range_one(ex, n, json_integer((json_int_t)i), json_array_get(v, i));
	if (r == 0 && count == 0)
		r = exec_list(ex, n->else_list, dot);
	free(keys);
	json_decref(v);
	return r;
}

static int exec_list(struct exec *ex, struct node *n, json_t *dot)
{
	for (; n; n = n->next) {
		size_t mark = ex->nvars;
		json_t *v = NULL;
		int r = 0;

		if (n->kind == N_TEXT)
			buf_add(&ex->out, n->text, n->len);
		else if (n->kind == N_RANGE)
			r = exec_range(ex, n, dot);
		else if ((r = eval_pipeline(ex, dot, n->pipe, &v)) == 0 && n->pipe->ndecl)
			r = push_var(ex, n->pipe->decl[0], v);
		if (r == 0 && n->kind == N_ACTION && !n->pipe->ndecl)
			fmt_value(&ex->out, v, true); /* declarations print nothing */
		if (r == 0 && (n->kind == N_IF || n->kind == N_WITH)) {
			if (truth(v))
				r = exec_list(ex, n->list, n->kind == N_WITH ? v : dot);
			else
				r = exec_list(ex, n->else_list, dot);
			pop_vars(ex, mark);
		}
		json_decref(v);
		if (r < 0)
			return r;
		if (ex->out.oom)
			return -ENOMEM;
	}
	return 0;
}

int berth_template_render(const char *tmpl, json_t *data, char **out,
			  struct berth_error *err)
{
	struct parser p = { .src = tmpl, .len = tmpl ? strlen(tmpl) : 0, .err = err };
	struct exec ex = { .src = tmpl, .err = err };
	struct node *root = NULL;
	enum term term = TERM_EOF;
	int r;

	if (!tmpl || !data || !out)
		return berth_errmsg(err, -EINVAL, "template: invalid arguments");
	*out = NULL;
	p.lits = json_array();
	r = p.lits ? grow(&p.vars, &p.capvars, 0, sizeof(*p.vars)) : -ENOMEM;
	if (r == 0) {
		p.vars[p.nvars++] = "$";
		r = parse_list(&p, &root, &term);
	}
	if (r == 0 && term != TERM_EOF)
		r = fail(err, "unexpected {{%s}} at offset %zu", term == TERM_END ? "end" : "else",
			 p.action);
	free(p.vars);
	if (r == 0 && (r = push_var(&ex, "$", data)) == 0)
		r = exec_list(&ex, root, data);
	buf_add(&ex.out, "", 0);
	if (r == 0 && ex.out.oom)
		r = -ENOMEM;
	pop_vars(&ex, 0);
	free(ex.vars);
	while (p.allocs) {
		struct alloc *next = p.allocs->next;
		free(p.allocs);
		p.allocs = next;
	}
	json_decref(p.lits);
	if (r < 0) {
		free(ex.out.s);
		return r == -ENOMEM ? berth_err(err, r, "template") : r;
	}
	*out = ex.out.s;
	return 0;
}
