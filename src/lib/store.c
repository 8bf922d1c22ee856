/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct store {
	sqlite3 *db;
};

/* 2: the cni table (berth-cni attachments), networks.no_masq,
 * containers.manual_stop and .restart_count. 3: the links table (who links
 * to a container, without reading every config). 4: indexes on ports, by
 * container and by host port. 1 to 3 are upgraded in place. */
#define STORE_VERSION 4
#define STORE_VERSION_STR "4"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS networks ("
	" id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, driver TEXT NOT NULL,"
	" bridge TEXT NOT NULL, subnet TEXT NOT NULL, range TEXT NOT NULL,"
	" gateway TEXT NOT NULL, mtu INTEGER NOT NULL, subnet6 TEXT, gateway6 TEXT,"
	" user_bridge INTEGER NOT NULL, internal INTEGER NOT NULL,"
	" masquerade INTEGER NOT NULL, icc INTEGER NOT NULL, builtin INTEGER NOT NULL,"
	" created TEXT NOT NULL, anti_spoofing INTEGER NOT NULL DEFAULT 1,"
	" no_masq TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS containers ("
	" id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, created TEXT NOT NULL,"
	" config TEXT NOT NULL, state INTEGER NOT NULL, pid INTEGER NOT NULL,"
	" pid_start INTEGER NOT NULL, monitor_pid INTEGER NOT NULL,"
	" monitor_start INTEGER NOT NULL, exit_code INTEGER NOT NULL,"
	" started_at TEXT NOT NULL, finished_at TEXT NOT NULL, error TEXT NOT NULL,"
	" oom_killed INTEGER NOT NULL DEFAULT 0, manual_stop INTEGER NOT NULL DEFAULT 0,"
	" restart_count INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS endpoints ("
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" network_id TEXT NOT NULL REFERENCES networks(id),"
	" ifname TEXT NOT NULL, veth TEXT NOT NULL, ip INTEGER, mac TEXT NOT NULL,"
	" ip6 TEXT, req_ip TEXT NOT NULL, req_mac TEXT NOT NULL, aliases TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (container_id, network_id));"
	"CREATE UNIQUE INDEX IF NOT EXISTS endpoints_ip ON endpoints(network_id, ip)"
	" WHERE ip IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS ports ("
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" proto INTEGER NOT NULL, family INTEGER NOT NULL, host_ip TEXT NOT NULL,"
	" host_port INTEGER NOT NULL, ctr_port INTEGER NOT NULL,"
	" PRIMARY KEY (proto, family, host_ip, host_port));"
	/* a container's ports; who holds a host port, whatever the address */
	"CREATE INDEX IF NOT EXISTS ports_container ON ports(container_id);"
	"CREATE INDEX IF NOT EXISTS ports_host_port ON ports(host_port, proto, family);"
	"CREATE TABLE IF NOT EXISTS p2p ("
	" name TEXT PRIMARY KEY, a_id TEXT NOT NULL, a_if TEXT NOT NULL, a_ip INTEGER NOT NULL,"
	" b_id TEXT NOT NULL, b_if TEXT NOT NULL, b_ip INTEGER NOT NULL, mtu INTEGER NOT NULL,"
	" created TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS cni ("
	" network_id TEXT NOT NULL REFERENCES networks(id),"
	" container_id TEXT NOT NULL, ifname TEXT NOT NULL, netns TEXT NOT NULL,"
	" veth TEXT NOT NULL, ip INTEGER NOT NULL, mac TEXT NOT NULL, ip6 TEXT,"
	" ports TEXT NOT NULL, created TEXT NOT NULL,"
	" PRIMARY KEY (network_id, container_id, ifname));"
	"CREATE UNIQUE INDEX IF NOT EXISTS cni_ip ON cni(network_id, ip);"
	/* --link: the client's config names the server; this finds the clients. */
	"CREATE TABLE IF NOT EXISTS links ("
	" client_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" server_id TEXT NOT NULL, PRIMARY KEY (client_id, server_id));"
	"CREATE INDEX IF NOT EXISTS links_server ON links(server_id);";

static int sql_err(struct store *s, struct berth_error *err, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);
	int code = (rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST
		 : (rc & 0xff) == SQLITE_BUSY	     ? -EBUSY
						     : -EIO;
	return berth_errmsg(err, code, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

static sqlite3_stmt *prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

int store_open(struct store **out, const char *path, struct berth_error *err)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s)
		return berth_err(err, -ENOMEM, "store");
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
				 NULL);
	if (rc != SQLITE_OK) {
		int r = berth_errmsg(err, -EIO, "store: open %s: %s", path,
				     s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return r;
	}
	sqlite3_busy_timeout(s->db, 30000);
	rc = sqlite3_exec(s->db,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			  "PRAGMA foreign_keys=ON;",
			  NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		/* The layout has a version: a store from another one is refused
		 * by name rather than misread. */
		int version = -1, tables = -1;
		sqlite3_stmt *st = prep(s, "PRAGMA user_version");
		if (st && sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		st = prep(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
		if (st && sqlite3_step(st) == SQLITE_ROW)
			tables = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (tables > 0 && (version < 1 || version > STORE_VERSION)) {
			int r = berth_errmsg(err, -EPROTO,
					     "store %s has layout version %d, this berth uses %d: remove it (and berth's containers) to start afresh",
					     path, version, STORE_VERSION);
			store_close(s);
			return r;
		}
		if (version == 1)
			rc = sqlite3_exec(s->db,
					  "ALTER TABLE networks ADD COLUMN no_masq TEXT NOT NULL DEFAULT '';"
					  "ALTER TABLE containers ADD COLUMN manual_stop INTEGER NOT NULL DEFAULT 0;"
					  "ALTER TABLE containers ADD COLUMN restart_count INTEGER NOT NULL DEFAULT 0;",
					  NULL, NULL, NULL);
		/* A store of this layout has its tables: no schema to parse. */
		bool current = tables > 0 && version == STORE_VERSION;
		if (rc == SQLITE_OK && !current)
			rc = sqlite3_exec(s->db, schema, NULL, NULL, NULL);
		if (rc == SQLITE_OK && tables > 0 && version < 3)
			rc = sqlite3_exec(s->db,
					  "INSERT OR IGNORE INTO links SELECT c.id, json_extract(l.value, '$.id')"
					  " FROM containers c, json_each(c.config, '$.links') l;",
					  NULL, NULL, NULL);
		if (rc == SQLITE_OK && !current)
			rc = sqlite3_exec(s->db, "PRAGMA user_version = " STORE_VERSION_STR, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		int r = sql_err(s, err, path);
		store_close(s);
		return r;
	}
	*out = s;
	return 0;
}

struct store *store_close(struct store *s)
{
	if (s) {
		sqlite3_close_v2(s->db);
		free(s);
	}
	return NULL;
}

int store_begin(struct store *s, struct berth_error *err)
{
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_err(s, err, "begin");
	return 0;
}

int store_commit(struct store *s, struct berth_error *err)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int r = sql_err(s, err, "commit");
		store_rollback(s);
		return r;
	}
	return 0;
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Statement helpers: bind by a tiny format ("t" text, "i" int64, "n" null). */
static void finalizep(sqlite3_stmt **st) { sqlite3_finalize(*st); }
#define _cleanup_stmt_ _cleanup_(finalizep)


static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

/* Run a statement that returns no rows. */
static int step_done(struct store *s, sqlite3_stmt *st, struct berth_error *err,
		     const char *what)
{
	if (!st)
		return sql_err(s, err, what);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sql_err(s, err, what);
	return 0;
}

/* ---- networks ---- */

#define NET_COLS                                                                  \
	"id, name, driver, bridge, subnet, range, gateway, mtu, subnet6, gateway6," \
	" user_bridge, internal, masquerade, icc, builtin, created, anti_spoofing, no_masq"

static void net_from_row(sqlite3_stmt *st, struct net_rec *n)
{
	char buf[64];
	memset(n, 0, sizeof(*n));
	col_text(st, 0, n->id, sizeof(n->id));
	col_text(st, 1, n->name, sizeof(n->name));
	col_text(st, 2, n->driver, sizeof(n->driver));
	col_text(st, 3, n->bridge, sizeof(n->bridge));
	col_text(st, 4, buf, sizeof(buf));
	(void)ipam_parse_cidr4(buf, &n->subnet, NULL);
	col_text(st, 5, buf, sizeof(buf));
	(void)ipam_parse_cidr4(buf, &n->range, NULL);
	col_text(st, 6, buf, sizeof(buf));
	(void)ipam_parse_ip4(buf, &n->gateway, NULL);
	n->mtu = (unsigned)sqlite3_column_int(st, 7);
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		n->has_v6 = true;
		col_text(st, 8, buf, sizeof(buf));
		(void)ipam_parse_cidr6(buf, &n->subnet6, NULL);
		col_text(st, 9, buf, sizeof(buf));
		(void)ipam_parse_ip6(buf, &n->gateway6, NULL);
	}
	n->user_bridge = sqlite3_column_int(st, 10);
	n->internal = sqlite3_column_int(st, 11);
	n->masquerade = sqlite3_column_int(st, 12);
	n->icc = sqlite3_column_int(st, 13);
	n->builtin = sqlite3_column_int(st, 14);
	col_text(st, 15, n->created, sizeof(n->created));
	n->anti_spoofing = sqlite3_column_int(st, 16);
	col_text(st, 17, buf, sizeof(buf));
	n->has_no_masq = buf[0] && ipam_parse_cidr4(buf, &n->no_masq, NULL) == 0;
}

int store_network_get(struct store *s, const char *ref, struct net_rec *out)
{
	_cleanup_stmt_ sqlite3_stmt *st =
		prep(s, "SELECT " NET_COLS " FROM networks WHERE name = ?1 OR id = ?1"
			" OR (length(?1) >= 3 AND id LIKE ?1 || '%') LIMIT 2");
	if (!st)
		return -EIO;
	bind_text(st, 1, ref);
	if (sqlite3_step(st) != SQLITE_ROW)
		return -ENOENT;
	net_from_row(st, out);
	if (strcmp(out->name, ref) && strcmp(out->id, ref) && sqlite3_step(st) == SQLITE_ROW)
		return -ENOTUNIQ;
	return 0;
}

int store_network_put(struct store *s, const struct net_rec *n, struct berth_error *err)
{
	char sub[20], rng[20], gw[16], sub6[64] = "", gw6[64] = "", nm[20] = "";
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"INSERT OR REPLACE INTO networks (" NET_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
	if (!st)
		return sql_err(s, err, "save network");
	bind_text(st, 1, n->id);
	bind_text(st, 2, n->name);
	bind_text(st, 3, n->driver);
	bind_text(st, 4, n->bridge);
	bind_text(st, 5, cidr4_str(n->subnet, sub));
	bind_text(st, 6, cidr4_str(n->range, rng));
	bind_text(st, 7, ip4_str(n->gateway, gw));
	sqlite3_bind_int(st, 8, (int)n->mtu);
	if (n->has_v6) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &n->subnet6.addr, a, sizeof(a));
		snprintf(sub6, sizeof(sub6), "%s/%u", a, n->subnet6.len);
		inet_ntop(AF_INET6, &n->gateway6, gw6, sizeof(gw6));
	}
	bind_text(st, 9, n->has_v6 ? sub6 : NULL);
	bind_text(st, 10, n->has_v6 ? gw6 : NULL);
	sqlite3_bind_int(st, 11, n->user_bridge);
	sqlite3_bind_int(st, 12, n->internal);
	sqlite3_bind_int(st, 13, n->masquerade);
	sqlite3_bind_int(st, 14, n->icc);
	sqlite3_bind_int(st, 15, n->builtin);
	bind_text(st, 16, n->created);
	sqlite3_bind_int(st, 17, n->anti_spoofing);
	bind_text(st, 18, n->has_no_masq ? cidr4_str(n->no_masq, nm) : "");
	return step_done(s, st, err, "save network");
}

int store_network_del(struct store *s, const char *id, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s, "DELETE FROM networks WHERE id = ?1");
	if (st)
		bind_text(st, 1, id);
	return step_done(s, st, err, "delete network");
}

int store_network_list(struct store *s, struct net_rec **out, size_t *n)
{
	_cleanup_stmt_ sqlite3_stmt *st =
		prep(s, "SELECT " NET_COLS " FROM networks ORDER BY builtin DESC, created");
	if (!st)
		return -EIO;
	struct net_rec *v = NULL;
	size_t cnt = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct net_rec *nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		net_from_row(st, &v[cnt++]);
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* ---- containers ---- */

const char *ctr_state_str(enum ctr_state st)
{
	switch (st) {
	case CTR_CREATED:
		return "created";
	case CTR_RUNNING:
		return "running";
	case CTR_EXITED:
		return "exited";
	}
	return "unknown";
}

void ctr_rec_clear(struct ctr_rec *c)
{
	if (c) {
		json_decref(c->config);
		c->config = NULL;
	}
}

void ctr_recs_free(struct ctr_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctr_rec_clear(&v[i]);
	free(v);
}

#define CTR_COLS                                                               \
	"id, name, created, config, state, pid, pid_start, monitor_pid,"       \
	" monitor_start, exit_code, started_at, finished_at, error, oom_killed,"   \
	" manual_stop, restart_count"

static void ctr_from_row(sqlite3_stmt *st, struct ctr_rec *c)
{
	memset(c, 0, sizeof(*c));
	col_text(st, 0, c->id, sizeof(c->id));
	col_text(st, 1, c->name, sizeof(c->name));
	col_text(st, 2, c->created, sizeof(c->created));
	const char *cfg = (const char *)sqlite3_column_text(st, 3);
	c->config = json_loads(cfg ? cfg : "{}", 0, NULL);
	if (!c->config)
		c->config = json_object();
	c->state = (enum ctr_state)sqlite3_column_int(st, 4);
	c->pid = sqlite3_column_int(st, 5);
	c->pid_start = (uint64_t)sqlite3_column_int64(st, 6);
	c->monitor_pid = sqlite3_column_int(st, 7);
	c->monitor_start = (uint64_t)sqlite3_column_int64(st, 8);
	c->exit_code = sqlite3_column_int(st, 9);
	col_text(st, 10, c->started_at, sizeof(c->started_at));
	col_text(st, 11, c->finished_at, sizeof(c->finished_at));
	col_text(st, 12, c->error, sizeof(c->error));
	c->oom_killed = sqlite3_column_int(st, 13);
	c->manual_stop = sqlite3_column_int(st, 14);
	c->restart_count = sqlite3_column_int(st, 15);
}

int store_container_get(struct store *s, const char *ref, struct ctr_rec *out)
{
	/* Docker's order: exact id, exact name, then unique id prefix; each
	 * an index lookup (a scan would read every container's config). An
	 * id is lowercase hex: its prefixes p are the ids in [p, p || 'g'). */
	static const char *const sql[] = {
		"SELECT " CTR_COLS " FROM containers WHERE id = ?1",
		"SELECT " CTR_COLS " FROM containers WHERE name = ?1",
		"SELECT " CTR_COLS " FROM containers WHERE id > ?1 AND id < ?1 || 'g' LIMIT 2",
	};
	bool hex = *ref && strspn(ref, "0123456789abcdef") == strlen(ref);
	for (size_t i = 0; i < ARRAY_SIZE(sql) && *ref; i++) {
		if (i == 2 && !hex)
			break;
		_cleanup_stmt_ sqlite3_stmt *st = prep(s, sql[i]);
		if (!st)
			return -EIO;
		bind_text(st, 1, ref);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		ctr_from_row(st, out);
		if (i == 2 && sqlite3_step(st) == SQLITE_ROW) {
			ctr_rec_clear(out);
			return -ENOTUNIQ;
		}
		return 0;
	}
	return -ENOENT;
}

static void bind_runtime(sqlite3_stmt *st, const struct ctr_rec *c)
{
	sqlite3_bind_int(st, 5, (int)c->state);
	sqlite3_bind_int(st, 6, c->pid);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)c->pid_start);
	sqlite3_bind_int(st, 8, c->monitor_pid);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)c->monitor_start);
	sqlite3_bind_int(st, 10, c->exit_code);
	bind_text(st, 11, c->started_at);
	bind_text(st, 12, c->finished_at);
	bind_text(st, 13, c->error);
	sqlite3_bind_int(st, 14, c->oom_killed);
	sqlite3_bind_int(st, 15, c->manual_stop);
	sqlite3_bind_int(st, 16, c->restart_count);
}

int store_container_insert(struct store *s, const struct ctr_rec *c, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"INSERT INTO containers (" CTR_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
	if (!st)
		return sql_err(s, err, "add container");
	_cleanup_free_ char *cfg = json_dumps(c->config, JSON_COMPACT);
	bind_text(st, 1, c->id);
	bind_text(st, 2, c->name);
	bind_text(st, 3, c->created);
	bind_text(st, 4, cfg ? cfg : "{}");
	bind_runtime(st, c);
	int r = step_done(s, st, err, "add container");
	json_t *links = json_object_get(c->config, "links"), *l;
	size_t i;
	json_array_foreach(links, i, l) {
		_cleanup_stmt_ sqlite3_stmt *ins = r < 0 ? NULL :
			prep(s, "INSERT OR IGNORE INTO links (client_id, server_id) VALUES (?1, ?2)");
		if (r >= 0 && !ins)
			r = sql_err(s, err, "add link");
		if (r < 0)
			break;
		bind_text(ins, 1, c->id);
		bind_text(ins, 2, json_string_value(json_object_get(l, "id")));
		r = step_done(s, ins, err, "add link");
	}
	return r;
}

int store_container_update(struct store *s, const struct ctr_rec *c, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"UPDATE containers SET state = ?5, pid = ?6, pid_start = ?7,"
		" monitor_pid = ?8, monitor_start = ?9, exit_code = ?10,"
		" started_at = ?11, finished_at = ?12, error = ?13, oom_killed = ?14,"
		" manual_stop = ?15, restart_count = ?16 WHERE id = ?1");
	if (!st)
		return sql_err(s, err, "update container");
	bind_text(st, 1, c->id);
	bind_runtime(st, c);
	return step_done(s, st, err, "update container");
}

int store_container_del(struct store *s, const char *id, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s, "DELETE FROM containers WHERE id = ?1");
	if (st)
		bind_text(st, 1, id);
	return step_done(s, st, err, "delete container");
}

int store_container_list(struct store *s, struct ctr_rec **out, size_t *n)
{
	_cleanup_stmt_ sqlite3_stmt *st =
		prep(s, "SELECT " CTR_COLS " FROM containers ORDER BY created DESC, rowid DESC");
	if (!st)
		return -EIO;
	struct ctr_rec *v = NULL;
	size_t cnt = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ctr_rec *nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			ctr_recs_free(v, cnt);
			return -ENOMEM;
		}
		v = nv;
		ctr_from_row(st, &v[cnt++]);
	}
	*out = v;
	*n = cnt;
	return 0;
}

bool store_container_linked(struct store *s, const char *id)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s, "SELECT 1 FROM links WHERE server_id = ?1 LIMIT 1");
	if (!st)
		return true;
	bind_text(st, 1, id);
	return sqlite3_step(st) == SQLITE_ROW;
}

/* ---- endpoints ---- */

int store_endpoint_put(struct store *s, const struct ep_rec *e, struct berth_error *err)
{
	char mac[18], ip6[INET6_ADDRSTRLEN];
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"INSERT OR REPLACE INTO endpoints (container_id, network_id, ifname, veth,"
		" ip, mac, ip6, req_ip, req_mac, aliases)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!st)
		return sql_err(s, err, "save endpoint");
	bind_text(st, 1, e->container_id);
	bind_text(st, 2, e->network_id);
	bind_text(st, 3, e->ifname);
	bind_text(st, 4, e->veth);
	if (e->ip)
		sqlite3_bind_int64(st, 5, e->ip);
	else
		sqlite3_bind_null(st, 5);
	bind_text(st, 6, mac_str(e->mac, mac));
	bind_text(st, 7, e->has_ip6 ? inet_ntop(AF_INET6, &e->ip6, ip6, sizeof(ip6)) : NULL);
	bind_text(st, 8, e->req_ip);
	bind_text(st, 9, e->req_mac);
	bind_text(st, 10, e->aliases);
	int r = step_done(s, st, err, "save endpoint");
	if (r == -EEXIST) {
		char a[16];
		return berth_errmsg(err, r, "address %s is already in use", ip4_str(e->ip, a));
	}
	return r;
}

int store_endpoint_list(struct store *s, const char *container_id, const char *network_id,
			struct ep_rec **out, size_t *n)
{
#define EP_SELECT "SELECT container_id, network_id, ifname, veth, ip, mac, ip6, req_ip, req_mac, aliases FROM endpoints"
	/* One statement per filter: "?1 IS NULL OR ..." would keep SQLite
	 * from the primary key, and scan every endpoint. */
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		container_id && network_id ? EP_SELECT " WHERE container_id = ?1 AND network_id = ?2"
		: container_id		   ? EP_SELECT " WHERE container_id = ?1 ORDER BY ifname"
		: network_id		   ? EP_SELECT " WHERE network_id = ?2 ORDER BY ifname"
					   : EP_SELECT " ORDER BY ifname");
#undef EP_SELECT
	if (!st)
		return -EIO;
	bind_text(st, 1, container_id);
	bind_text(st, 2, network_id);
	struct ep_rec *v = NULL;
	size_t cnt = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ep_rec *nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		struct ep_rec *e = &v[cnt++];
		char buf[64];
		memset(e, 0, sizeof(*e));
		col_text(st, 0, e->container_id, sizeof(e->container_id));
		col_text(st, 1, e->network_id, sizeof(e->network_id));
		col_text(st, 2, e->ifname, sizeof(e->ifname));
		col_text(st, 3, e->veth, sizeof(e->veth));
		e->ip = (uint32_t)sqlite3_column_int64(st, 4);
		col_text(st, 5, buf, sizeof(buf));
		(void)ipam_parse_mac(buf, e->mac, NULL);
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			col_text(st, 6, buf, sizeof(buf));
			e->has_ip6 = ipam_parse_ip6(buf, &e->ip6, NULL) == 0;
		}
		col_text(st, 7, e->req_ip, sizeof(e->req_ip));
		col_text(st, 8, e->req_mac, sizeof(e->req_mac));
		col_text(st, 9, e->aliases, sizeof(e->aliases));
	}
	*out = v;
	*n = cnt;
	return 0;
}

int store_endpoint_del(struct store *s, const char *container_id, const char *network_id,
		       struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"DELETE FROM endpoints WHERE container_id = ?1 AND (?2 IS NULL OR network_id = ?2)");
	if (st) {
		bind_text(st, 1, container_id);
		bind_text(st, 2, network_id);
	}
	return step_done(s, st, err, "delete endpoints");
}

int store_network_users(struct store *s, const char *network_id)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"SELECT (SELECT count(*) FROM endpoints WHERE network_id = ?1)"
		" + (SELECT count(*) FROM cni WHERE network_id = ?1)");
	if (!st)
		return -EIO;
	bind_text(st, 1, network_id);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -EIO;
}

int store_network_ips(struct store *s, const char *network_id, uint32_t **out, size_t *n)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"SELECT ip FROM endpoints WHERE network_id = ?1 AND ip IS NOT NULL"
		" UNION ALL SELECT ip FROM cni WHERE network_id = ?1");
	if (!st)
		return -EIO;
	bind_text(st, 1, network_id);
	uint32_t *v = NULL;
	size_t cnt = 0, cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			uint32_t *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* ---- published ports ---- */

int store_port_add(struct store *s, const struct port_rec *p, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"INSERT INTO ports (container_id, proto, family, host_ip, host_port, ctr_port)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return sql_err(s, err, "save port");
	bind_text(st, 1, p->container_id);
	sqlite3_bind_int(st, 2, p->proto);
	sqlite3_bind_int(st, 3, p->family);
	bind_text(st, 4, p->host_ip);
	sqlite3_bind_int(st, 5, p->host_port);
	sqlite3_bind_int(st, 6, p->ctr_port);
	return step_done(s, st, err, "save port");
}

int store_port_list(struct store *s, const char *container_id, struct port_rec **out, size_t *n)
{
#define PORT_SELECT "SELECT container_id, proto, family, host_ip, host_port, ctr_port FROM ports"
#define PORT_ORDER " ORDER BY ctr_port, proto, family, host_port"
	/* One statement per filter, as for endpoints: a container's by the index. */
	_cleanup_stmt_ sqlite3_stmt *st = prep(s, container_id
		? PORT_SELECT " WHERE container_id = ?1" PORT_ORDER : PORT_SELECT PORT_ORDER);
#undef PORT_SELECT
#undef PORT_ORDER
	if (!st)
		return -EIO;
	bind_text(st, 1, container_id);
	struct port_rec *v = NULL;
	size_t cnt = 0, cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			struct port_rec *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		struct port_rec *p = &v[cnt++];
		col_text(st, 0, p->container_id, sizeof(p->container_id));
		p->proto = (uint8_t)sqlite3_column_int(st, 1);
		p->family = sqlite3_column_int(st, 2);
		col_text(st, 3, p->host_ip, sizeof(p->host_ip));
		p->host_port = (uint16_t)sqlite3_column_int(st, 4);
		p->ctr_port = (uint16_t)sqlite3_column_int(st, 5);
	}
	*out = v;
	*n = cnt;
	return 0;
}

int store_port_owner(struct store *s, uint8_t proto, int family, const char *host_ip,
		     uint16_t host_port, char owner[65])
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"SELECT container_id FROM ports WHERE host_port = ?4 AND proto = ?1 AND family = ?2"
		" AND (host_ip = ?3 OR host_ip IN ('0.0.0.0', '::') OR ?3 IN ('0.0.0.0', '::')) LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, proto);
	sqlite3_bind_int(st, 2, family);
	bind_text(st, 3, host_ip);
	sqlite3_bind_int(st, 4, host_port);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_text(st, 0, owner, 65);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

int store_port_any(struct store *s, const char *container_id)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"SELECT EXISTS (SELECT 1 FROM ports WHERE container_id = ?1)");
	if (!st)
		return -EIO;
	bind_text(st, 1, container_id);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -EIO;
}

int store_port_del(struct store *s, const char *container_id, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s, "DELETE FROM ports WHERE container_id = ?1");
	if (st)
		bind_text(st, 1, container_id);
	return step_done(s, st, err, "delete ports");
}

/* ---- point-to-point links ---- */

#define P2P_COLS "name, a_id, a_if, a_ip, b_id, b_if, b_ip, mtu, created"

static void p2p_from_row(sqlite3_stmt *st, struct p2p_rec *p)
{
	memset(p, 0, sizeof(*p));
	col_text(st, 0, p->name, sizeof(p->name));
	col_text(st, 1, p->a_id, sizeof(p->a_id));
	col_text(st, 2, p->a_if, sizeof(p->a_if));
	p->a_ip = (uint32_t)sqlite3_column_int64(st, 3);
	col_text(st, 4, p->b_id, sizeof(p->b_id));
	col_text(st, 5, p->b_if, sizeof(p->b_if));
	p->b_ip = (uint32_t)sqlite3_column_int64(st, 6);
	p->mtu = (unsigned)sqlite3_column_int(st, 7);
	col_text(st, 8, p->created, sizeof(p->created));
}

int store_p2p_add(struct store *s, const struct p2p_rec *p, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"INSERT INTO p2p (" P2P_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	if (!st)
		return sql_err(s, err, "save link");
	bind_text(st, 1, p->name);
	bind_text(st, 2, p->a_id);
	bind_text(st, 3, p->a_if);
	sqlite3_bind_int64(st, 4, p->a_ip);
	bind_text(st, 5, p->b_id);
	bind_text(st, 6, p->b_if);
	sqlite3_bind_int64(st, 7, p->b_ip);
	sqlite3_bind_int(st, 8, (int)p->mtu);
	bind_text(st, 9, p->created);
	return step_done(s, st, err, "save link");
}

int store_p2p_get(struct store *s, const char *name, struct p2p_rec *out)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s, "SELECT " P2P_COLS " FROM p2p WHERE name = ?1");
	if (!st)
		return -EIO;
	bind_text(st, 1, name);
	if (sqlite3_step(st) != SQLITE_ROW)
		return -ENOENT;
	p2p_from_row(st, out);
	return 0;
}

int store_p2p_list(struct store *s, const char *container_id, struct p2p_rec **out, size_t *n)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"SELECT " P2P_COLS " FROM p2p WHERE ?1 IS NULL OR a_id = ?1 OR b_id = ?1 ORDER BY created");
	if (!st)
		return -EIO;
	bind_text(st, 1, container_id);
	struct p2p_rec *v = NULL;
	size_t cnt = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct p2p_rec *nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		p2p_from_row(st, &v[cnt++]);
	}
	*out = v;
	*n = cnt;
	return 0;
}

int store_p2p_del(struct store *s, const char *name, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s, "DELETE FROM p2p WHERE name = ?1");
	if (st)
		bind_text(st, 1, name);
	return step_done(s, st, err, "delete link");
}

/* ---- berth-cni attachments ---- */

void cni_rec_clear(struct cni_rec *c)
{
	json_decref(c->ports);
	c->ports = NULL;
}

void cni_recs_free(struct cni_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cni_rec_clear(&v[i]);
	free(v);
}

#define CNI_COLS "network_id, container_id, ifname, netns, veth, ip, mac, ip6, ports, created"

int store_cni_put(struct store *s, const struct cni_rec *c, struct berth_error *err)
{
	char mac[18], ip6[INET6_ADDRSTRLEN];
	_cleanup_free_ char *ports = c->ports ? json_dumps(c->ports, JSON_COMPACT) : strdup("[]");
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"INSERT OR REPLACE INTO cni (" CNI_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!st || !ports)
		return sql_err(s, err, "save attachment");
	bind_text(st, 1, c->network_id);
	bind_text(st, 2, c->container_id);
	bind_text(st, 3, c->ifname);
	bind_text(st, 4, c->netns);
	bind_text(st, 5, c->veth);
	sqlite3_bind_int64(st, 6, c->ip);
	bind_text(st, 7, mac_str(c->mac, mac));
	bind_text(st, 8, c->has_ip6 ? inet_ntop(AF_INET6, &c->ip6, ip6, sizeof(ip6)) : NULL);
	bind_text(st, 9, ports);
	bind_text(st, 10, c->created);
	int r = step_done(s, st, err, "save attachment");
	if (r == -EEXIST) {
		char a[16];
		return berth_errmsg(err, r, "address %s is already in use", ip4_str(c->ip, a));
	}
	return r;
}

int store_cni_list(struct store *s, const char *network_id, const char *container_id,
		   const char *ifname, struct cni_rec **out, size_t *n)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"SELECT " CNI_COLS " FROM cni WHERE (?1 IS NULL OR network_id = ?1)"
		" AND (?2 IS NULL OR container_id = ?2) AND (?3 IS NULL OR ifname = ?3)"
		" ORDER BY created");
	if (!st)
		return -EIO;
	bind_text(st, 1, network_id);
	bind_text(st, 2, container_id);
	bind_text(st, 3, ifname);
	struct cni_rec *v = NULL;
	size_t cnt = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cni_rec *nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			cni_recs_free(v, cnt);
			return -ENOMEM;
		}
		v = nv;
		struct cni_rec *c = &v[cnt++];
		char buf[64];
		memset(c, 0, sizeof(*c));
		col_text(st, 0, c->network_id, sizeof(c->network_id));
		col_text(st, 1, c->container_id, sizeof(c->container_id));
		col_text(st, 2, c->ifname, sizeof(c->ifname));
		col_text(st, 3, c->netns, sizeof(c->netns));
		col_text(st, 4, c->veth, sizeof(c->veth));
		c->ip = (uint32_t)sqlite3_column_int64(st, 5);
		col_text(st, 6, buf, sizeof(buf));
		(void)ipam_parse_mac(buf, c->mac, NULL);
		if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			col_text(st, 7, buf, sizeof(buf));
			c->has_ip6 = ipam_parse_ip6(buf, &c->ip6, NULL) == 0;
		}
		const char *ports = (const char *)sqlite3_column_text(st, 8);
		c->ports = ports ? json_loads(ports, 0, NULL) : NULL;
		if (!json_is_array(c->ports)) {
			json_decref(c->ports);
			c->ports = json_array();
		}
		col_text(st, 9, c->created, sizeof(c->created));
	}
	*out = v;
	*n = cnt;
	return 0;
}

int store_cni_del(struct store *s, const char *network_id, const char *container_id,
		  const char *ifname, struct berth_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = prep(s,
		"DELETE FROM cni WHERE network_id = ?1 AND container_id = ?2 AND ifname = ?3");
	if (st) {
		bind_text(st, 1, network_id);
		bind_text(st, 2, container_id);
		bind_text(st, 3, ifname);
	}
	return step_done(s, st, err, "delete attachment");
}
