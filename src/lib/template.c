/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A subset of Go's text/template, as `docker inspect -f` users write it:
 * a small recursive-descent parser builds an AST, which is then evaluated
 * over a jansson value into a growable buffer. Values are jansson references
 * throughout; every evaluation step returns a new reference.
 */
#include "template.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_DEPTH 100  /* nesting of control structures and parentheses */
#define MAX_WIDTH 9999 /* printf width/precision cap */

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

/* ---- output buffer; out-of-memory is sticky and checked by the owner ---- */

struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3)))
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
	} else if ((size_t)n < sizeof(tmp)) {
		buf_add(b, tmp, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, aq);
			buf_add(b, big, (size_t)n);
		} else {
			b->oom = true;
		}
		free(big);
	}
	va_end(aq);
}

/* Move the buffer into a new jansson string. */
static int buf_take(struct buf *b, json_t **res)
{
	*res = b->oom ? NULL : json_stringn_nocheck(b->s ? b->s : "", b->len);
	free(b->s);
	*b = (struct buf){ 0 };
	return *res ? 0 : -ENOMEM;
}

static int grow(void *arrp, size_t *cap, size_t n, size_t size)
{
	void **arr = arrp;
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 4;
	void *a = reallocarray(*arr, nc, size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = nc;
	return 0;
}

/* ---- AST ---- */

struct exec;
struct func;
struct pipeline;

enum expr_kind { E_DOT, E_VAR, E_PIPE, E_FUNC, E_STR, E_INT, E_REAL, E_BOOL, E_NIL };

struct expr {
	enum expr_kind kind;
	size_t pos, end;       /* source span, for messages */
	char *str;             /* E_VAR name, E_STR bytes */
	size_t len;            /* E_STR length */
	json_int_t i;          /* E_INT, E_BOOL */
	double d;              /* E_REAL */
	const struct func *fn; /* E_FUNC */
	struct pipeline *pipe; /* E_PIPE */
	char **fields;         /* .A.B applied to the value above */
	size_t nfields, capfields;
};

struct command {
	struct expr **args;
	size_t nargs, cap;
};

struct pipeline {
	size_t pos, end;
	char *decl[2]; /* $x := / $k, $v := */
	size_t ndecl;
	bool assign; /* "=" rather than ":=" */
	struct command *cmds;
	size_t ncmds, cap;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };

struct node {
	enum node_kind kind;
	char *text; /* N_TEXT */
	size_t len;
	struct pipeline *pipe;
	struct node *list, *else_list;
	struct node *next;
};

static void pipe_free(struct pipeline *pl);

static void expr_free(struct expr *e)
{
	if (!e)
		return;
	free(e->str);
	for (size_t i = 0; i < e->nfields; i++)
		free(e->fields[i]);
	free(e->fields);
	pipe_free(e->pipe);
	free(e);
}

static void pipe_free(struct pipeline *pl)
{
	if (!pl)
		return;
	free(pl->decl[0]);
	free(pl->decl[1]);
	for (size_t i = 0; i < pl->ncmds; i++) {
		for (size_t j = 0; j < pl->cmds[i].nargs; j++)
			expr_free(pl->cmds[i].args[j]);
		free(pl->cmds[i].args);
	}
	free(pl->cmds);
	free(pl);
}

static void node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;
		free(n->text);
		pipe_free(n->pipe);
		node_free(n->list);
		node_free(n->else_list);
		free(n);
		n = next;
	}
}

static void expr_freep(struct expr **e) { expr_free(*e); }
static void pipe_freep(struct pipeline **p) { pipe_free(*p); }

/* ---- functions (the table is defined after their bodies) ---- */

typedef int (*func_fn)(struct exec *ex, const struct func *f, json_t **a,
		       size_t n, json_t **res);

struct func {
	const char *name;
	int min, max; /* argument count; max < 0: variadic */
	func_fn fn;   /* NULL: and/or, which evaluate lazily */
};

static const struct func *find_func(const char *name, size_t len);

/* ---- lexer ---- */

enum tok {
	T_END, T_FIELD, T_DOT, T_VAR, T_IDENT, T_STRING, T_RAW, T_NUMBER,
	T_LPAREN, T_RPAREN, T_PIPE, T_COMMA, T_DECLARE, T_ASSIGN,
};

struct token {
	enum tok type;
	size_t start, end;
	bool trim; /* T_END was "-}}" */
};

struct parser {
	const char *src;
	size_t len, pos;
	size_t action; /* offset of the current "{{" */
	bool trim_next;
	int depth;
	const char **vars; /* variables in scope, for "undefined variable" */
	size_t nvars, capvars;
	struct berth_error *err;
};

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool is_ident_start(char c) { return is_ident(c) && !isdigit((unsigned char)c); }

/* Read the token at p->pos without consuming it (callers set p->pos = t->end). */
static int lex(struct parser *p, struct token *t)
{
	const char *s = p->src;
	size_t i = p->pos, j;
	while (i < p->len && isspace((unsigned char)s[i]))
		i++;
	*t = (struct token){ .start = i, .end = i + 1 };
	if (i >= p->len)
		return fail(p->err, "unterminated action at offset %zu", p->action);
	char c = s[i];
	if (c == '-' && s[i + 1] == '}' && s[i + 2] == '}' && isspace((unsigned char)s[i - 1])) {
		t->type = T_END;
		t->trim = true;
		t->end = i + 3;
		return 0;
	}
	if (c == '}' && s[i + 1] == '}') {
		t->type = T_END;
		t->end = i + 2;
		return 0;
	}
	switch (c) {
	case '(': t->type = T_LPAREN; return 0;
	case ')': t->type = T_RPAREN; return 0;
	case '|': t->type = T_PIPE; return 0;
	case ',': t->type = T_COMMA; return 0;
	case '=': t->type = T_ASSIGN; return 0;
	case ':':
		if (s[i + 1] != '=')
			break;
		t->type = T_DECLARE;
		t->end = i + 2;
		return 0;
	case '$':
		for (j = i + 1; is_ident(s[j]); j++)
			;
		t->type = T_VAR;
		t->end = j;
		return 0;
	case '"':
	case '`':
		for (j = i + 1; j < p->len && s[j] != c && !(c == '"' && s[j] == '\n'); j++)
			if (c == '"' && s[j] == '\\' && j + 1 < p->len)
				j++;
		if (j >= p->len || s[j] != c)
			return fail(p->err, "unterminated quoted string at offset %zu", i);
		t->type = c == '"' ? T_STRING : T_RAW;
		t->end = j + 1;
		return 0;
	}
	if (isdigit((unsigned char)c) ||
	    ((c == '-' || c == '+' || c == '.') && isdigit((unsigned char)s[i + 1]))) {
		for (j = i + 1; isalnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '_' ||
				((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E'));
		     j++)
			;
		t->type = T_NUMBER;
		t->end = j;
		return 0;
	}
	if (c == '.') {
		for (j = i + 1; is_ident(s[j]); j++)
			;
		t->type = j > i + 1 ? T_FIELD : T_DOT;
		t->end = j;
		return 0;
	}
	if (is_ident_start(c)) {
		for (j = i + 1; is_ident(s[j]); j++)
			;
		t->type = T_IDENT;
		t->end = j;
		return 0;
	}
	if (isprint((unsigned char)c))
		return fail(p->err, "unexpected '%c' in action at offset %zu", c, i);
	return fail(p->err, "unexpected byte 0x%02x in action at offset %zu", (unsigned char)c, i);
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
	if (type == T_END)
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

static int var_declare(struct parser *p, const char *name)
{
	if (grow(&p->vars, &p->capvars, p->nvars, sizeof(*p->vars)) < 0)
		return -ENOMEM;
	p->vars[p->nvars++] = name;
	return 0;
}

static int hex(const char *s, size_t avail, size_t n, uint32_t *v)
{
	*v = 0;
	if (avail < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 16 + (uint32_t)(isdigit((unsigned char)s[i]) ? s[i] - '0'
								 : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	return 0;
}

static size_t utf8_put(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode a "..." or `...` token; escapes never lengthen the text. */
static int unquote(struct parser *p, const struct token *t, struct expr *e)
{
	const char *s = p->src + t->start + 1;
	size_t n = t->end - t->start - 2, k = 0, i;
	_cleanup_free_ char *d = malloc(n + 1);
	if (!d)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t v;
		if (t->type == T_RAW || s[i] != '\\') {
			d[k++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'a': d[k++] = '\a'; break;
		case 'b': d[k++] = '\b'; break;
		case 'f': d[k++] = '\f'; break;
		case 'n': d[k++] = '\n'; break;
		case 'r': d[k++] = '\r'; break;
		case 't': d[k++] = '\t'; break;
		case 'v': d[k++] = '\v'; break;
		case '\\': case '"': case '\'': d[k++] = s[i]; break;
		case 'x':
			if (hex(s + i + 1, n - i - 1, 2, &v) < 0)
				goto bad;
			d[k++] = (char)v;
			i += 2;
			break;
		case 'u':
		case 'U': {
			size_t digits = s[i] == 'u' ? 4 : 8;
			if (hex(s + i + 1, n - i - 1, digits, &v) < 0 || v > 0x10ffff ||
			    (v >= 0xd800 && v < 0xe000))
				goto bad;
			k += utf8_put(d + k, v);
			i += digits;
			break;
		}
		default:
			if (i + 2 >= n || s[i] < '0' || s[i] > '3' || s[i + 1] < '0' ||
			    s[i + 1] > '7' || s[i + 2] < '0' || s[i + 2] > '7')
				goto bad;
			d[k++] = (char)((s[i] - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0'));
			i += 2;
		}
	}
	d[k] = '\0';
	e->str = TAKE_PTR(d);
	e->len = k;
	return 0;
bad:
	return fail(p->err, "invalid escape in string at offset %zu", t->start + i);
}

static int parse_number(struct parser *p, const struct token *t, struct expr *e)
{
	char tmp[64], *end;
	size_t k = 0;
	for (size_t i = t->start; i < t->end && k < sizeof(tmp) - 1; i++)
		if (p->src[i] != '_')
			tmp[k++] = p->src[i];
	tmp[k] = '\0';
	errno = 0;
	long long v = strtoll(tmp, &end, 0);
	if (!*end && !errno && t->end - t->start < sizeof(tmp)) {
		e->kind = E_INT;
		e->i = v;
		return 0;
	}
	errno = 0;
	e->d = strtod(tmp, &end);
	if (*end || errno || t->end - t->start >= sizeof(tmp))
		return fail(p->err, "bad number syntax \"%.*s\" at offset %zu",
			    (int)(t->end - t->start), p->src + t->start, t->start);
	e->kind = E_REAL;
	return 0;
}

static int parse_pipeline(struct parser *p, size_t maxdecl, enum tok close,
			  struct pipeline **out);

static int parse_operand(struct parser *p, struct expr **out)
{
	_cleanup_(expr_freep) struct expr *e = calloc(1, sizeof(*e));
	struct token t;
	int r = lex(p, &t);
	if (r < 0)
		return r;
	if (!e)
		return -ENOMEM;
	e->pos = t.start;
	p->pos = t.end;
	bool chain = true;
	switch (t.type) {
	case T_FIELD:
		p->pos = t.start; /* the field loop below reads it */
		e->kind = E_DOT;
		break;
	case T_DOT:
		e->kind = E_DOT;
		chain = false;
		break;
	case T_VAR:
		e->kind = E_VAR;
		e->str = strndup(p->src + t.start, t.end - t.start);
		if (!e->str)
			return -ENOMEM;
		if (!var_defined(p, e->str))
			return fail(p->err, "undefined variable \"%s\" at offset %zu", e->str, t.start);
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
		e->kind = E_STR;
		r = unquote(p, &t, e);
		chain = false;
		break;
	case T_NUMBER:
		r = parse_number(p, &t, e);
		chain = false;
		break;
	case T_IDENT:
		chain = false;
		if (tok_is(p, &t, "true") || tok_is(p, &t, "false")) {
			e->kind = E_BOOL;
			e->i = tok_is(p, &t, "true");
		} else if (tok_is(p, &t, "nil")) {
			e->kind = E_NIL;
		} else {
			e->kind = E_FUNC;
			e->fn = find_func(p->src + t.start, t.end - t.start);
			if (!e->fn)
				return fail(p->err, "unknown function \"%.*s\" at offset %zu",
					    (int)(t.end - t.start), p->src + t.start, t.start);
		}
		break;
	default:
		return fail(p->err, "unexpected \"%.*s\" in operand at offset %zu",
			    (int)(t.end - t.start), p->src + t.start, t.start);
	}
	if (r < 0)
		return r;
	while (chain && p->src[p->pos] == '.' && is_ident_start(p->src[p->pos + 1])) {
		size_t j = p->pos + 1;
		while (is_ident(p->src[j]))
			j++;
		if (grow(&e->fields, &e->capfields, e->nfields, sizeof(*e->fields)) < 0 ||
		    !(e->fields[e->nfields] = strndup(p->src + p->pos + 1, j - p->pos - 1)))
			return -ENOMEM;
		e->nfields++;
		p->pos = j;
	}
	e->end = p->pos;
	*out = TAKE_PTR(e);
	return 0;
}

/* "$x :=", "$x =", and in range "$k, $v :=". */
static int parse_decl(struct parser *p, size_t maxdecl, struct pipeline *pl)
{
	struct token v[2], t;
	size_t n = 0, save = p->pos;
	int r;
	for (;;) {
		if ((r = lex(p, &v[n])) < 0)
			return r;
		if (v[n].type != T_VAR)
			break;
		p->pos = v[n++].end;
		if ((r = lex(p, &t)) < 0)
			return r;
		if (t.type == T_DECLARE || t.type == T_ASSIGN) {
			p->pos = t.end;
			pl->assign = t.type == T_ASSIGN;
			for (size_t i = 0; i < n; i++) {
				pl->decl[i] = strndup(p->src + v[i].start, v[i].end - v[i].start);
				if (!pl->decl[i])
					return -ENOMEM;
				pl->ndecl++;
				if (pl->assign && !var_defined(p, pl->decl[i]))
					return fail(p->err, "undefined variable \"%s\" at offset %zu",
						    pl->decl[i], v[i].start);
			}
			return 0;
		}
		if (t.type != T_COMMA || n >= maxdecl)
			break;
		p->pos = t.end;
	}
	if (n > 1)
		return fail(p->err, "expected := after range variables at offset %zu", t.start);
	p->pos = save;
	return 0;
}

static int parse_pipeline(struct parser *p, size_t maxdecl, enum tok close,
			  struct pipeline **out)
{
	_cleanup_(pipe_freep) struct pipeline *pl = calloc(1, sizeof(*pl));
	struct token t;
	int r = lex(p, &t);
	if (r < 0)
		return r;
	if (!pl)
		return -ENOMEM;
	pl->pos = t.start;
	if (maxdecl && (r = parse_decl(p, maxdecl, pl)) < 0)
		return r;
	for (;;) {
		if (grow(&pl->cmds, &pl->cap, pl->ncmds, sizeof(*pl->cmds)) < 0)
			return -ENOMEM;
		struct command *c = &pl->cmds[pl->ncmds++];
		*c = (struct command){ 0 };
		for (;;) {
			if ((r = lex(p, &t)) < 0)
				return r;
			if (t.type == T_PIPE || t.type == close)
				break;
			if (t.type == T_END)
				return fail(p->err, "unclosed left paren at offset %zu", pl->pos - 1);
			if (t.type == T_RPAREN)
				return fail(p->err, "unexpected \")\" at offset %zu", t.start);
			if (grow(&c->args, &c->cap, c->nargs, sizeof(*c->args)) < 0)
				return -ENOMEM;
			if ((r = parse_operand(p, &c->args[c->nargs])) < 0)
				return r;
			c->nargs++;
		}
		if (!c->nargs)
			return fail(p->err, "missing value for command at offset %zu", t.start);
		struct expr *first = c->args[0];
		if (first->kind == E_NIL)
			return fail(p->err, "nil is not a command at offset %zu", first->pos);
		if (first->kind != E_FUNC && (c->nargs > 1 || pl->ncmds > 1))
			return fail(p->err, "can't give argument to non-function %.*s at offset %zu",
				    (int)(first->end - first->pos), p->src + first->pos, first->pos);
		p->pos = t.end;
		if (t.type == close)
			break;
	}
	pl->end = t.start;
	if (close == T_END)
		p->trim_next = t.trim;
	for (size_t i = 0; i < pl->ndecl && !pl->assign; i++)
		if (var_declare(p, pl->decl[i]) < 0)
			return -ENOMEM;
	*out = TAKE_PTR(pl);
	return 0;
}

enum term { TERM_EOF, TERM_END, TERM_ELSE, TERM_ELSE_IF, TERM_ELSE_WITH };

static int parse_list(struct parser *p, struct node **list, enum term *term);

static const char *const kind_names[] = {
	[N_IF] = "if", [N_RANGE] = "range", [N_WITH] = "with",
};

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
		if (term == TERM_ELSE || term == TERM_ELSE_IF || term == TERM_ELSE_WITH)
			return fail(p->err, "unexpected {{else}} at offset %zu", p->action);
	} else if (term == TERM_ELSE_IF || term == TERM_ELSE_WITH) {
		/* {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}} */
		if ((term == TERM_ELSE_IF) != (kind == N_IF) ||
		    (term == TERM_ELSE_WITH) != (kind == N_WITH))
			return fail(p->err, "unexpected {{else %s}} in {{%s}} at offset %zu",
				    term == TERM_ELSE_IF ? "if" : "with", kind_names[kind], p->action);
		if ((r = lex(p, &t)) < 0)
			return r;
		p->pos = t.end;
		if (!(n->else_list = calloc(1, sizeof(*n->else_list))))
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

/* Parse text and actions up to EOF, {{end}} or {{else ...}}. */
static int parse_list(struct parser *p, struct node **list, enum term *term)
{
	const char *s = p->src;
	struct node **tail = list;
	struct token t;
	int r;
	for (;;) {
		const char *open = strstr(s + p->pos, "{{");
		size_t start = p->pos, stop = open ? (size_t)(open - s) : p->len;
		bool ltrim = open && open[2] == '-' && isspace((unsigned char)open[3]);
		if (p->trim_next)
			while (start < stop && isspace((unsigned char)s[start]))
				start++;
		p->trim_next = false;
		size_t tstop = stop;
		while (ltrim && tstop > start && isspace((unsigned char)s[tstop - 1]))
			tstop--;
		if (tstop > start) {
			struct node *n = calloc(1, sizeof(*n));
			if (!n)
				return -ENOMEM;
			*tail = n;
			tail = &n->next;
			n->kind = N_TEXT;
			n->len = tstop - start;
			if (!(n->text = strndup(s + start, n->len)))
				return -ENOMEM;
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
		if (tok_is(p, &t, "end")) {
			p->pos = t.end;
			*term = TERM_END;
			return expect(p, T_END, "{{end}}");
		}
		if (tok_is(p, &t, "else")) {
			p->pos = t.end;
			if ((r = lex(p, &t)) < 0)
				return r;
			*term = tok_is(p, &t, "if") ? TERM_ELSE_IF
				: tok_is(p, &t, "with") ? TERM_ELSE_WITH : TERM_ELSE;
			return *term == TERM_ELSE ? expect(p, T_END, "{{else}}") : 0;
		}
		static const char *const unsupported[] = {
			"define", "template", "block", "break", "continue",
		};
		for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
			if (tok_is(p, &t, unsupported[i]))
				return fail(p->err, "{{%s}} is not supported at offset %zu",
					    unsupported[i], stop);
		struct node *n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		*tail = n;
		tail = &n->next;
		enum node_kind kind = tok_is(p, &t, "if") ? N_IF
				    : tok_is(p, &t, "range") ? N_RANGE
				    : tok_is(p, &t, "with") ? N_WITH : N_ACTION;
		if (kind == N_ACTION) {
			n->kind = N_ACTION;
			r = parse_pipeline(p, 1, T_END, &n->pipe);
		} else {
			p->pos = t.end;
			r = parse_control(p, kind, stop, n);
		}
		if (r < 0)
			return r;
	}
}

/* ---- values ---- */

static bool truth(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return json_object_size(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	case JSON_TRUE: return true;
	default: return false;
	}
}

static const char *type_desc(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Go's type names, for printf's %!verb(type=value). */
static const char *go_type(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "map[string]interface {}";
	case JSON_ARRAY: return "[]interface {}";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "int";
	case JSON_REAL: return "float64";
	default: return "bool";
	}
}

static bool as_int(json_t *v, json_int_t *i)
{
	if (json_is_integer(v)) {
		*i = json_integer_value(v);
		return true;
	}
	double d = json_is_real(v) ? json_real_value(v) : 0.5;
	if (d < -9.2e18 || d > 9.2e18 || (double)(json_int_t)d != d)
		return false;
	*i = (json_int_t)d;
	return true;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Object keys in Go's map order (sorted); NULL when out of memory. */
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

/* Shortest round-trip float, formatted like Go's %v (json=false) or
 * encoding/json (json=true). */
static void fmt_real(struct buf *b, double d, bool json)
{
	char tmp[400];
	int prec;
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
	int exp = atoi(strchr(tmp, 'e') + 1);
	double a = d < 0 ? -d : d;
	bool sci = json ? a != 0 && (a < 1e-6 || a >= 1e21) : exp < -4 || exp >= 6;
	if (!sci) {
		snprintf(tmp, sizeof(tmp), "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
	} else if (json) {
		char *e = strchr(tmp, 'e'); /* Go writes e-7, not e-07 */
		if (e[1] == '-' && e[2] == '0' && e[3])
			memmove(e + 2, e + 3, strlen(e + 3) + 1);
	}
	buf_str(b, tmp);
}

/* Go's fmt %v: strings raw, map[k:v ...] sorted, [a b c]. */
static void fmt_value(struct buf *b, json_t *v, bool top)
{
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
			if (i)
				buf_str(b, " ");
			fmt_value(b, json_array_get(v, i), false);
		}
		buf_str(b, "]");
		break;
	case JSON_OBJECT: {
		_cleanup_free_ const char **keys = sorted_keys(v);
		if (!keys) {
			b->oom = true;
			break;
		}
		buf_str(b, "map[");
		for (size_t i = 0; keys[i]; i++) {
			buf_printf(b, "%s%s:", i ? " " : "", keys[i]);
			fmt_value(b, json_object_get(v, keys[i]), false);
		}
		buf_str(b, "]");
		break;
	}
	}
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
		else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] & 0xfe) == 0xa8)
			buf_printf(b, "\\u202%c", s[i += 2] == (char)0xa8 ? '8' : '9');
		else
			buf_add(b, s + i, 1);
	}
	buf_str(b, "\"");
}

/* Compact JSON as Go's encoding/json writes it (HTML-safe escapes, no
 * trailing newline); objects keep their insertion order, like Go structs. */
static void json_enc(struct buf *b, json_t *v)
{
	const char *key;
	json_t *val;
	size_t i = 0;
	switch (json_typeof(v)) {
	case JSON_STRING: json_str(b, json_string_value(v), json_string_length(v)); break;
	case JSON_REAL: fmt_real(b, json_real_value(v), true); break;
	case JSON_ARRAY:
		buf_str(b, "[");
		json_array_foreach(v, i, val) {
			if (i)
				buf_str(b, ",");
			json_enc(b, val);
		}
		buf_str(b, "]");
		break;
	case JSON_OBJECT:
		buf_str(b, "{");
		json_object_foreach(v, key, val) {
			if (i++)
				buf_str(b, ",");
			json_str(b, key, strlen(key));
			buf_str(b, ":");
			json_enc(b, val);
		}
		buf_str(b, "}");
		break;
	case JSON_NULL: buf_str(b, "null"); break;
	default: fmt_value(b, v, false); break;
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
	return json_is_string(v) ? 0 : fail(ex->err, "%s: expected a string, got %s",
					    f->name, type_desc(v));
}

static int fn_not(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	*res = json_boolean(!truth(a[0]));
	return 0;
}

static bool equal(json_t *x, json_t *y)
{
	if (json_is_integer(x) && json_is_integer(y))
		return json_integer_value(x) == json_integer_value(y);
	if (json_is_number(x) && json_is_number(y))
		return json_number_value(x) == json_number_value(y);
	return json_equal(x, y);
}

/* eq, ne, lt, le, gt, ge. eq a b c is a == b || a == c, as in Go. */
static int fn_cmp(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	json_t *x = a[0], *y = a[1];
	bool v = false;
	int c;
	if (!strcmp(f->name, "eq") || !strcmp(f->name, "ne")) {
		for (size_t i = 1; i < n && !v; i++)
			v = equal(x, a[i]);
		*res = json_boolean(v == (f->name[0] == 'e'));
		return 0;
	}
	if (json_is_integer(x) && json_is_integer(y)) {
		c = (json_integer_value(x) > json_integer_value(y)) -
		    (json_integer_value(x) < json_integer_value(y));
	} else if (json_is_number(x) && json_is_number(y)) {
		c = (json_number_value(x) > json_number_value(y)) -
		    (json_number_value(x) < json_number_value(y));
	} else if (json_is_string(x) && json_is_string(y)) {
		size_t lx = json_string_length(x), ly = json_string_length(y);
		c = memcmp(json_string_value(x), json_string_value(y), lx < ly ? lx : ly);
		c = c ? c : (lx > ly) - (lx < ly);
	} else {
		return fail(ex->err, "%s: incompatible types for comparison: %s and %s",
			    f->name, type_desc(x), type_desc(y));
	}
	v = f->name[0] == 'l' ? (f->name[1] == 't' ? c < 0 : c <= 0)
			      : (f->name[1] == 't' ? c > 0 : c >= 0);
	*res = json_boolean(v);
	return 0;
}

static int fn_len(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	json_t *v = a[0];
	if (json_is_string(v))
		*res = json_integer((json_int_t)json_string_length(v));
	else if (json_is_array(v) || json_is_object(v) || json_is_null(v))
		*res = json_integer((json_int_t)(json_array_size(v) + json_object_size(v)));
	else
		return fail(ex->err, "len: can't take the length of %s", type_desc(v));
	return *res ? 0 : -ENOMEM;
}

/* index X k1 k2...: object by string key (missing: null), array by integer. */
static int fn_index(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	json_t *v = a[0];
	json_int_t i;
	for (size_t k = 1; k < n; k++) {
		if (json_is_object(v)) {
			if (!json_is_string(a[k]))
				return fail(ex->err, "index: object key must be a string, got %s",
					    type_desc(a[k]));
			v = json_object_getn(v, json_string_value(a[k]), json_string_length(a[k]));
			v = v ? v : json_null();
		} else if (json_is_array(v)) {
			if (!as_int(a[k], &i))
				return fail(ex->err, "index: array index must be an integer, got %s",
					    type_desc(a[k]));
			if (i < 0 || (size_t)i >= json_array_size(v))
				return fail(ex->err, "index: index out of range: %" JSON_INTEGER_FORMAT, i);
			v = json_array_get(v, (size_t)i);
		} else {
			return fail(ex->err, "index: can't index %s", type_desc(v));
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
	if (!json_is_array(a[0]) && !json_is_null(a[0]))
		return fail(ex->err, "join: expected an array, got %s", type_desc(a[0]));
	int r = want_string(ex, f, a[1]);
	if (r < 0)
		return r;
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
		for (; (m = memmem(s, (size_t)(end - s), sep, seplen)) && r == 0; s = m + seplen)
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

/* upper, lower, title (ASCII case mapping, like Go's for ASCII text) */
static int fn_case(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	int r = want_string(ex, f, a[0]);
	if (r < 0)
		return r;
	size_t len = json_string_length(a[0]);
	_cleanup_free_ char *s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, json_string_value(a[0]), len + 1);
	bool word_start = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (f->name[0] == 'u' || (f->name[0] == 't' && word_start))
			s[i] = (char)toupper(c);
		else if (f->name[0] == 'l')
			s[i] = (char)tolower(c);
		word_start = !is_ident((char)c);
	}
	*res = json_stringn_nocheck(s, len);
	return *res ? 0 : -ENOMEM;
}

/* print (spaces between operands when neither is a string) and println */
static int fn_print(struct exec *ex, const struct func *f, json_t **a, size_t n, json_t **res)
{
	struct buf b = { 0 };
	bool ln = !strcmp(f->name, "println");
	for (size_t i = 0; i < n; i++) {
		if (i && (ln || (!json_is_string(a[i - 1]) && !json_is_string(a[i]))))
			buf_str(&b, " ");
		fmt_value(&b, a[i], false);
	}
	if (ln)
		buf_str(&b, "\n");
	return buf_take(&b, res);
}

/* Go's strconv.Quote, escaping ASCII control characters. */
static void quote(struct buf *b, const char *s, size_t n)
{
	static const char esc[] = "\a\b\f\n\r\t\v", rep[] = "abfnrtv";
	buf_str(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = c ? strchr(esc, c) : NULL;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (e)
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
	char f[32];
	char c = sp->verb;
	struct buf t = { 0 };
	json_int_t iv;
	bool num = c && strchr("eEfFgG", c) && json_is_number(v);
	if (c && strchr("dxXo", c) && as_int(v, &iv)) {
		snprintf(f, sizeof(f), "%%%s*.*ll%c", sp->flags, c);
		buf_printf(b, f, sp->width, sp->prec, (long long)iv);
		return;
	}
	if (num && !(sp->prec < 0 && (c == 'g' || c == 'G'))) {
		snprintf(f, sizeof(f), "%%%s*.*%c", sp->flags, c);
		buf_printf(b, f, sp->width, sp->prec, json_number_value(v));
		return;
	}
	if (num)
		fmt_real(&t, json_number_value(v), false);
	else if (c == 'v' || (c == 's' && (json_is_string(v) || json_is_array(v) || json_is_object(v))) ||
		 (c == 't' && json_is_boolean(v)))
		fmt_value(&t, v, false);
	else if (c == 'q' && json_is_string(v))
		quote(&t, json_string_value(v), json_string_length(v));
	else {
		buf_printf(b, "%%!%c(%s%s", c, json_is_null(v) ? "<nil>" : go_type(v),
			   json_is_null(v) ? "" : "=");
		if (!json_is_null(v))
			fmt_value(b, v, false);
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
	if (!json_is_string(a[0]))
		return fail(ex->err, "printf: format must be a string, got %s", type_desc(a[0]));
	const char *s = json_string_value(a[0]);
	size_t len = json_string_length(a[0]), ai = 1;
	struct buf b = { 0 };
	for (size_t i = 0; i < len; i++) {
		struct spec sp = { .width = 0, .prec = -1 };
		size_t nf = 0;
		if (s[i] != '%') {
			buf_add(&b, s + i, 1);
			continue;
		}
		for (i++; i < len && s[i] && strchr("-+# 0", s[i]); i++)
			if (nf < sizeof(sp.flags) - 1)
				sp.flags[nf++] = s[i];
		for (; i < len && isdigit((unsigned char)s[i]); i++)
			if (sp.width < MAX_WIDTH)
				sp.width = sp.width * 10 + (s[i] - '0');
		if (i < len && s[i] == '.')
			for (sp.prec = 0, i++; i < len && isdigit((unsigned char)s[i]); i++)
				if (sp.prec < MAX_WIDTH)
					sp.prec = sp.prec * 10 + (s[i] - '0');
		if (i >= len) {
			buf_str(&b, "%!(NOVERB)");
			break;
		}
		sp.verb = s[i];
		if (sp.verb == '%')
			buf_str(&b, "%");
		else if (ai >= n)
			buf_printf(&b, "%%!%c(MISSING)", sp.verb);
		else
			fmt_verb(&b, &sp, a[ai++]);
	}
	for (size_t i = ai; i < n; i++) {
		buf_printf(&b, "%s%s%s", i == ai ? "%!(EXTRA " : ", ",
			   json_is_null(a[i]) ? "<nil>" : go_type(a[i]), json_is_null(a[i]) ? "" : "=");
		if (!json_is_null(a[i]))
			fmt_value(&b, a[i], false);
		if (i + 1 == n)
			buf_str(&b, ")");
	}
	return buf_take(&b, res);
}

static const struct func funcs[] = {
	{ "and", 1, -1, NULL },      { "eq", 2, -1, fn_cmp },      { "ge", 2, 2, fn_cmp },
	{ "gt", 2, 2, fn_cmp },      { "index", 1, -1, fn_index }, { "join", 2, 2, fn_join },
	{ "json", 1, 1, fn_json },   { "le", 2, 2, fn_cmp },       { "len", 1, 1, fn_len },
	{ "lower", 1, 1, fn_case },  { "lt", 2, 2, fn_cmp },       { "ne", 2, 2, fn_cmp },
	{ "not", 1, 1, fn_not },     { "or", 1, -1, NULL },        { "print", 0, -1, fn_print },
	{ "printf", 1, -1, fn_printf }, { "println", 0, -1, fn_print },
	{ "split", 2, 2, fn_split }, { "title", 1, 1, fn_case },   { "upper", 1, 1, fn_case },
};

static const struct func *find_func(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
		if (strlen(funcs[i].name) == len && !memcmp(funcs[i].name, name, len))
			return &funcs[i];
	return NULL;
}

/* ---- evaluation ---- */

static int set_var(struct exec *ex, const char *name, json_t *val, bool assign)
{
	for (size_t i = ex->nvars; assign && i-- > 0;)
		if (!strcmp(ex->vars[i].name, name)) {
			json_decref(ex->vars[i].val);
			ex->vars[i].val = json_incref(val);
			return 0;
		}
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

static int call(struct exec *ex, json_t *dot, const struct func *f, struct expr **args,
		size_t n, json_t *final, json_t **res);

static int eval_pipeline(struct exec *ex, json_t *dot, struct pipeline *pl, json_t **res);

static int eval_arg(struct exec *ex, json_t *dot, struct expr *e, json_t **res)
{
	json_t *v = NULL;
	int r = 0;
	switch (e->kind) {
	case E_DOT: v = json_incref(dot); break;
	case E_VAR:
		for (size_t i = ex->nvars; !v && i-- > 0;)
			if (!strcmp(ex->vars[i].name, e->str))
				v = json_incref(ex->vars[i].val);
		if (!v)
			return fail(ex->err, "undefined variable \"%s\"", e->str);
		break;
	case E_PIPE: r = eval_pipeline(ex, dot, e->pipe, &v); break;
	case E_FUNC: r = call(ex, dot, e->fn, NULL, 0, NULL, &v); break;
	case E_STR: v = json_stringn_nocheck(e->str, e->len); break;
	case E_INT: v = json_integer(e->i); break;
	case E_REAL: v = json_real(e->d); break;
	case E_BOOL: v = json_boolean(e->i); break;
	case E_NIL: v = json_null(); break;
	}
	if (r < 0 || !v)
		return r < 0 ? r : -ENOMEM;
	json_t *cur = v;
	for (size_t i = 0; i < e->nfields && r == 0; i++) {
		const char *name = e->fields[i], *path = ex->src + e->pos;
		int plen = (int)(e->end - e->pos);
		json_t *next = json_is_object(cur) ? json_object_get(cur, name) : NULL;
		if (!json_is_object(cur))
			r = fail(ex->err, "can't evaluate field \"%s\" in %.*s: value is %s, not an object",
				 name, plen, path, type_desc(cur));
		else if (!next)
			r = fail(ex->err, "no field \"%s\" in %.*s", name, plen, path);
		cur = next;
	}
	*res = r < 0 ? NULL : json_incref(cur);
	json_decref(v);
	return r;
}

static int call(struct exec *ex, json_t *dot, const struct func *f, struct expr **args,
		size_t n, json_t *final, json_t **res)
{
	size_t argc = n + (final != NULL);
	int r = 0;
	if (argc < (size_t)f->min || (f->max >= 0 && argc > (size_t)f->max))
		return fail(ex->err, "wrong number of args for %s: want %s%d got %zu", f->name,
			    f->max < 0 ? "at least " : "", f->min, argc);
	if (!f->fn) { /* and/or: the first false/true argument, or the last */
		for (size_t i = 0;; i++) {
			json_t *v = final;
			if (i < n && (r = eval_arg(ex, dot, args[i], &v)) < 0)
				return r;
			if (i >= n)
				json_incref(v);
			if (i + 1 == argc || truth(v) != (f->name[0] == 'a')) {
				*res = v;
				return 0;
			}
			json_decref(v);
		}
	}
	json_t **argv = calloc(argc + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = eval_arg(ex, dot, args[i], &argv[i]);
	if (final)
		argv[n] = json_incref(final);
	if (r >= 0)
		r = f->fn(ex, f, argv, argc, res);
	for (size_t i = 0; i < argc; i++)
		json_decref(argv[i]);
	free(argv);
	return r;
}

/* Each command's value is the last argument of the next (the parser
 * guarantees that those are function calls). */
static int eval_pipeline(struct exec *ex, json_t *dot, struct pipeline *pl, json_t **res)
{
	json_t *v = NULL;
	for (size_t i = 0; i < pl->ncmds; i++) {
		struct command *c = &pl->cmds[i];
		json_t *next = NULL;
		int r = c->args[0]->kind == E_FUNC
			? call(ex, dot, c->args[0]->fn, c->args + 1, c->nargs - 1, v, &next)
			: eval_arg(ex, dot, c->args[0], &next);
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
	int r = 0;
	if (!key)
		return -ENOMEM;
	if (pl->ndecl == 2)
		r = set_var(ex, pl->decl[0], key, pl->assign);
	if (pl->ndecl && r == 0)
		r = set_var(ex, pl->decl[pl->ndecl - 1], elem, pl->assign);
	if (r == 0)
		r = exec_list(ex, n->list, elem);
	pop_vars(ex, mark);
	json_decref(key);
	return r;
}

/* Arrays in order, objects by sorted key, null as empty. */
static int exec_range(struct exec *ex, struct node *n, json_t *dot)
{
	json_t *v = NULL;
	int r = eval_pipeline(ex, dot, n->pipe, &v);
	size_t count = json_array_size(v) + json_object_size(v);
	if (r == 0 && json_is_array(v)) {
		for (size_t i = 0; i < count && r == 0; i++)
			r = range_one(ex, n, json_integer((json_int_t)i), json_array_get(v, i));
	} else if (r == 0 && json_is_object(v)) {
		_cleanup_free_ const char **keys = sorted_keys(v);
		if (!keys)
			r = -ENOMEM;
		for (size_t i = 0; i < count && r == 0; i++)
			r = range_one(ex, n, json_string(keys[i]), json_object_get(v, keys[i]));
	} else if (r == 0 && !json_is_null(v)) {
		r = fail(ex->err, "range can't iterate over %.*s: value is %s",
			 (int)(n->pipe->end - n->pipe->pos), ex->src + n->pipe->pos, type_desc(v));
	}
	if (r == 0 && count == 0)
		r = exec_list(ex, n->else_list, dot);
	json_decref(v);
	return r;
}

static int exec_list(struct exec *ex, struct node *n, json_t *dot)
{
	for (; n; n = n->next) {
		size_t mark = ex->nvars;
		json_t *v = NULL;
		int r = 0;
		switch (n->kind) {
		case N_TEXT:
			buf_add(&ex->out, n->text, n->len);
			break;
		case N_ACTION: /* an action that declares a variable prints nothing */
			r = eval_pipeline(ex, dot, n->pipe, &v);
			if (r == 0 && n->pipe->ndecl)
				r = set_var(ex, n->pipe->decl[0], v, n->pipe->assign);
			else if (r == 0)
				fmt_value(&ex->out, v, true);
			break;
		case N_IF:
		case N_WITH:
			r = eval_pipeline(ex, dot, n->pipe, &v);
			if (r == 0 && n->pipe->ndecl)
				r = set_var(ex, n->pipe->decl[0], v, n->pipe->assign);
			if (r == 0 && truth(v))
				r = exec_list(ex, n->list, n->kind == N_WITH ? v : dot);
			else if (r == 0)
				r = exec_list(ex, n->else_list, dot);
			pop_vars(ex, mark);
			break;
		case N_RANGE:
			r = exec_range(ex, n, dot);
			break;
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
	r = var_declare(&p, "$");
	if (r == 0)
		r = parse_list(&p, &root, &term);
	if (r == 0 && term != TERM_EOF)
		r = fail(err, "unexpected {{%s}} at offset %zu", term == TERM_END ? "end" : "else",
			 p.action);
	free(p.vars);
	if (r == 0)
		r = set_var(&ex, "$", data, false);
	if (r == 0)
		r = exec_list(&ex, root, data);
	if (r == 0 && !ex.out.s)
		buf_add(&ex.out, "", 0);
	if (r == 0 && ex.out.oom)
		r = -ENOMEM;
	pop_vars(&ex, 0);
	free(ex.vars);
	node_free(root);
	if (r < 0) {
		free(ex.out.s);
		return r == -ENOMEM ? berth_err(err, r, "template") : r;
	}
	*out = ex.out.s;
	return 0;
}
