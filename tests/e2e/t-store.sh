#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The store's layout upgrades in place.  A store of layout 3 (no indexes on ports), one
# of layout 2 (nor the links table) and one of layout 1 (nor the cni table,
# networks.no_masq, containers.manual_stop, .restart_count), all made from a current one
# with sqlite3, are upgraded by the next berth command: the version is 4, the ports
# indexes exist and SQLite uses them, the links table holds the --link of the existing
# containers (read from their configs), and the containers still start, stop, resolve
# their link and keep their published port.  A store of an unknown layout is refused,
# naming it.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
need_tools sqlite3
DB=$BERTH_ROOT/berth.db
sql() { sqlite3 "$DB" "$@"; }

assert_ok berth run -d --name server -p 8080:80 -- busybox sleep 1000
assert_ok berth run -d --name client --link server:db -- busybox sleep 1000
server=$(inspect_f server '{{.Id}}')
client=$(inspect_f client '{{.Id}}')
assert_eq "$client|$server" "$(sql 'SELECT client_id, server_id FROM links')" "the link, recorded"
assert_ok berth stop -t 0 client server

indexes="SELECT group_concat(name) FROM sqlite_master WHERE name LIKE 'ports_%'"
plan() { sql "EXPLAIN QUERY PLAN $1" | grep -o 'USING INDEX [a-z_]*'; }
for layout in 3 2 1; do
	log "from layout $layout"
	sql "DROP INDEX ports_container; DROP INDEX ports_host_port; PRAGMA user_version = $layout;"
	assert_eq "" "$(sql "$indexes")" "layout $layout: no ports indexes"
	[ "$layout" = 3 ] || sql "DROP TABLE links;"
	if [ "$layout" = 1 ]; then
		sql "DROP TABLE cni; ALTER TABLE networks DROP COLUMN no_masq;
		     ALTER TABLE containers DROP COLUMN manual_stop;
		     ALTER TABLE containers DROP COLUMN restart_count;"
	fi
	assert_ok berth ps -a
	assert_eq 4 "$(sql 'PRAGMA user_version')" "layout $layout: upgraded to 4"
	assert_eq "ports_container,ports_host_port" "$(sql "$indexes")" "layout $layout: the ports indexes"
	assert_eq "USING INDEX ports_container" "$(plan "SELECT * FROM ports WHERE container_id = '$server'")" \
		"layout $layout: a container's ports, by its index"
	assert_eq "USING INDEX ports_host_port" \
		"$(plan "SELECT container_id FROM ports WHERE host_port = 8080 AND proto = 6 AND family = 2")" \
		"layout $layout: a host port's owner, by its index"
	assert_eq "$client|$server" "$(sql 'SELECT client_id, server_id FROM links')" \
		"layout $layout: the link, read from the client's config"
	assert_ok berth start server client
	wait_running client
	assert_ok berth exec client busybox ping -c1 -W2 db
	assert_fails berth run -d --name taker -p 8080:81 -- busybox sleep 1000
	assert_contains "$OUT" "port is already allocated (by container server)" \
		"layout $layout: the published port is still the server's"
	assert_start_failed taker "port is already allocated"
	assert_ok berth stop -t 0 client server
done

log "an unknown layout is refused"
sql "PRAGMA user_version = 99;"
assert_fails berth ps -a
assert_contains "$OUT" "layout version 99" "the refusal names the layout"
sql "PRAGMA user_version = 4;"
assert_ok berth rm client server
exit 0
