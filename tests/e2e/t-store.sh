#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The store's layout upgrades in place.  A store of layout 2 (no links table) and one
# of layout 1 (neither the cni table nor networks.no_masq, containers.manual_stop,
# .restart_count), both made from a current one with sqlite3, are upgraded by the next
# berth command: the version is 3, the links table holds the --link of the existing
# containers (read from their configs), and the containers still start, stop and
# resolve their link.  A store of an unknown layout is refused, naming it.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
need_tools sqlite3
DB=$BERTH_ROOT/berth.db
sql() { sqlite3 "$DB" "$@"; }

assert_ok berth run -d --name server -- busybox sleep 1000
assert_ok berth run -d --name client --link server:db -- busybox sleep 1000
server=$(inspect_f server '{{.Id}}')
client=$(inspect_f client '{{.Id}}')
assert_eq "$client|$server" "$(sql 'SELECT client_id, server_id FROM links')" "the link, recorded"
assert_ok berth stop -t 0 client server

for layout in 2 1; do
	log "from layout $layout"
	sql "DROP TABLE links; PRAGMA user_version = $layout;"
	if [ "$layout" = 1 ]; then
		sql "DROP TABLE cni; ALTER TABLE networks DROP COLUMN no_masq;
		     ALTER TABLE containers DROP COLUMN manual_stop;
		     ALTER TABLE containers DROP COLUMN restart_count;"
	fi
	assert_ok berth ps -a
	assert_eq 3 "$(sql 'PRAGMA user_version')" "layout $layout: upgraded to 3"
	assert_eq "$client|$server" "$(sql 'SELECT client_id, server_id FROM links')" \
		"layout $layout: the link, read from the client's config"
	assert_ok berth start server client
	wait_running client
	assert_ok berth exec client busybox ping -c1 -W2 db
	assert_ok berth stop -t 0 client server
done

log "an unknown layout is refused"
sql "PRAGMA user_version = 99;"
assert_fails berth ps -a
assert_contains "$OUT" "layout version 99" "the refusal names the layout"
sql "PRAGMA user_version = 3;"
assert_ok berth rm client server
exit 0
