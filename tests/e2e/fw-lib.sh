# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/e2e/fw-lib.sh — helpers for the firewall and port-publishing tests
# (t-icc, t-links, t-user-chain, t-ports).  Source it after lib.sh:
#
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/fw-lib.sh"
#     fw_each_backend "$@"      # before sandbox_enter
#     sandbox_enter "$@"
#
# fw_each_backend runs the whole test once per firewall backend (nftables, then
# iptables; FW_BACKENDS="iptables" picks), each time in a fresh sandbox, with
# BERTH_FIREWALL_BACKEND set; the test passes only if every backend passes.

# ---------------------------------------------------------------- one run per backend

fw_each_backend()
{
	[ "${BERTH_E2E_SANDBOX:-}" = 1 ] && return 0
	if [ -n "${FW_BACKEND_PASS:-}" ]; then
		return 0
	fi
	local be rc=0 r ran=0 skipped=0 start
	for be in ${FW_BACKENDS:-nftables iptables}; do
		echo "=== $(basename "$0" .sh): firewall backend $be"
		start=$SECONDS
		FW_BACKEND_PASS=1 BERTH_FIREWALL_BACKEND=$be "${BASH:-bash}" "$0" "$@"
		r=$?
		case $r in
		0) echo "=== $be: pass ($((SECONDS - start))s)"; ran=$((ran + 1)) ;;
		77) echo "=== $be: skipped"; skipped=$((skipped + 1)) ;;
		*) echo "=== $be: FAIL (exit $r, $((SECONDS - start))s)"; rc=1 ;;
		esac
	done
	[ "$rc" = 0 ] && [ "$ran" = 0 ] && [ "$skipped" -gt 0 ] && exit 77
	exit "$rc"
}

# The backend of this run.
fw_be() { echo "${BERTH_FIREWALL_BACKEND:-nftables}"; }

# ---------------------------------------------------------------- containers

ctr_ip() { "$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' "$1"; }
ctr_id() { "$BERTH" inspect -f '{{.Id}}' "$1"; }
# the host side of the container's veth (Docker's EndpointID is berth's veth name)
ctr_veth() { "$BERTH" inspect -f '{{.NetworkSettings.Networks.bridge.EndpointID}}' "$1"; }

# A web server for containers, on every port in $PORTS (default 80), that answers
# GET / with hello-HOSTNAME and GET /cgi-bin/who with peer=<source address>.
#   fw_web NAME [RUN OPTIONS...]      (PORTS="80 81" fw_web srv ...)
FW_WEB='mkdir -p /www/cgi-bin && echo "hello-$(busybox hostname)" >/www/index.html &&
printf "%s\n" "$CGI" >/www/cgi-bin/who && chmod +x /www/cgi-bin/who &&
for p in $PORTS; do busybox httpd -p "$p" -h /www || exit 1; done &&
exec busybox sleep 100000'

fw_web()
{
	local name=$1 p
	shift
	assert_ok berth run -d --name "$name" --hostname "$name" -e "CGI=$WHO_CGI" \
		-e "PORTS=${PORTS:-80}" "$@" -- busybox sh -c "$FW_WEB"
	wait_running "$name"
	for p in ${PORTS:-80}; do
		wait_listen "$name" "$p"
	done
}

# fw_sleeper NAME [RUN OPTIONS...]: a container that only sleeps.
fw_sleeper()
{
	local name=$1
	shift
	assert_ok berth run -d --name "$name" "$@" -- busybox sleep 100000
	wait_running "$name"
}

# ---------------------------------------------------------------- traffic

# fw_at WHERE CMD...: run CMD on the host ("host"), in the outside netns ("outside")
# or in a container (its name).
fw_at()
{
	local where=$1
	shift
	case $where in
	host) "$@" ;;
	outside) ip netns exec outside "$@" ;;
	*) "$BERTH" exec "$where" "$@" ;;
	esac
}

# fw_get WHERE URL [SECONDS]: HTTP GET from WHERE; body in OUT, status in RC.
fw_get()
{
	capture fw_at "$1" timeout "${3:-5}" busybox wget -qO- "$2"
}

# assert_get WHERE URL WANT [WHAT]: the GET answers exactly WANT.
assert_get()
{
	fw_get "$1" "$2"
	[ "$RC" = 0 ] || { fail "${4:-GET}: $1 -> $2 failed (exit $RC): $OUT"; return 1; }
	[ "$OUT" = "$3" ] || fail "${4:-GET}: $1 -> $2: expected [$3], got [$OUT]"
}

# assert_get_ok WHERE URL [WHAT]: the GET succeeds (body in OUT).
assert_get_ok()
{
	fw_get "$1" "$2"
	[ "$RC" = 0 ] || fail "${3:-GET}: $1 -> $2 failed (exit $RC): $OUT"
}

# assert_no_get WHERE URL [WHAT]: the GET fails within 2 s (refused or dropped).
assert_no_get()
{
	fw_get "$1" "$2" 2
	[ "$RC" != 0 ] || fail "${3:-GET}: $1 -> $2 should fail but answered: $OUT"
}

# fw_tcp WHERE IP PORT [SECONDS]: a bare TCP connect (busybox nc -w), RC in RC.
fw_tcp()
{
	capture fw_at "$1" timeout "${4:-3}" busybox nc -w "${4:-3}" "$2" "$3" </dev/null
}

assert_tcp()
{
	fw_tcp "$1" "$2" "$3"
	[ "$RC" = 0 ] || fail "${4:-TCP}: $1 -> $2:$3 connect failed (exit $RC): $OUT"
}

assert_no_tcp()
{
	fw_tcp "$1" "$2" "$3" 2
	[ "$RC" != 0 ] || fail "${4:-TCP}: $1 -> $2:$3 should not connect"
}

assert_ping()
{
	capture fw_at "$1" busybox ping -c1 -W2 "$2"
	[ "$RC" = 0 ] || fail "${3:-ping}: $1 -> $2 failed: $OUT"
}

assert_no_ping()
{
	capture fw_at "$1" busybox ping -c1 -W1 "$2"
	[ "$RC" != 0 ] || fail "${3:-ping}: $1 -> $2 should fail"
}

# UDP: busybox nc has no -u here, so a few lines of perl (perl-base is everywhere).
# fw_udp_echo NAME PORT [RUN OPTIONS...]: a container answering each datagram D with
# "echo:D peer=<source address>".
FW_UDP_ECHO='use IO::Socket::INET; use Socket;
my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Proto => "udp") or die "bind: $!";
while (1) { my $d; my $p = $s->recv($d, 1500) or next; my ($port, $a) = sockaddr_in($p);
	$s->send("echo:$d peer=" . inet_ntoa($a), 0, $p); }'
# fw_udp WHERE IP PORT MSG [SRCPORT]: send one datagram (from SRCPORT if given), print
# the answer (exit 1: none in 2 s).
FW_UDP_ASK='use IO::Socket::INET;
my %o = (PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Proto => "udp");
$o{LocalPort} = $ARGV[3] if $ARGV[3]; $o{ReuseAddr} = 1 if $ARGV[3];
my $s = IO::Socket::INET->new(%o) or die "socket: $!";
$SIG{ALRM} = sub { exit 1 }; alarm 2;
for (1..3) { $s->send($ARGV[2]); my $r; my $rin = ""; vec($rin, fileno($s), 1) = 1;
	if (select($rin, undef, undef, 0.6)) {
		if (defined $s->recv($r, 1500) && length $r) { print "$r\n"; exit 0 }
		select(undef, undef, undef, 0.3) } }
exit 1'

fw_udp_echo()
{
	local name=$1 port=$2
	shift 2
	command -v perl >/dev/null || skip "needs perl for the UDP echo"
	assert_ok berth run -d --name "$name" "$@" -- perl -e "$FW_UDP_ECHO" "$port"
	wait_running "$name"
	wait_until 5 sh -c "ip netns exec '$name' busybox netstat -lun | grep -q ':$port '" ||
		fail "the UDP echo of $name does not listen on $port"
}

fw_udp() { capture fw_at "$1" timeout 5 perl -e "$FW_UDP_ASK" "$2" "$3" "$4" "${5:-}"; }

# ---------------------------------------------------------------- rules

# fw_rules: every rule of every table, both views (nft and iptables-save).
fw_rules()
{
	nft list ruleset 2>&1
	echo "### iptables-save"
	iptables-save 2>&1
}

# fw_rules_norm: fw_rules without what traffic changes (counters, dates), to compare.
fw_rules_norm()
{
	fw_rules | sed -E -e 's/counter packets [0-9]+ bytes [0-9]+/counter/g' \
		-e 's/\[[0-9]+:[0-9]+\]/[0:0]/g' -e '/^# (Generated|Completed)/d'
}

# assert_rules_unchanged BEFORE_FILE WHAT: fw_rules_norm is as saved in BEFORE_FILE.
assert_rules_unchanged()
{
	local now=$E2E_TMP/rules.now
	fw_rules_norm >"$now"
	cmp -s "$1" "$now" || fail "$2: the firewall changed:
$(diff -u "$1" "$now" | head -40)"
}

# fw_mentions TEXT WORD: WORD occurs in TEXT as a whole address / name (172.17.0.2
# does not match 172.17.0.20).
fw_mentions()
{
	local re
	re=$(printf '%s' "$2" | sed 's/[.[\*^$]/\\&/g')
	printf '%s\n' "$1" | grep -Eq "(^|[^0-9A-Za-z_.-])$re(\$|[^0-9A-Za-z_-])"
}

# assert_rules_forget WHAT WORD...: no nft rule/element and no iptables rule names WORD.
assert_rules_forget()
{
	local what=$1 w rules
	shift
	rules=$(fw_rules)
	for w; do
		[ -n "$w" ] || continue
		if fw_mentions "$rules" "$w"; then
			fail "$what: the firewall still mentions $w:
$(printf '%s\n' "$rules" | grep -nF -- "$w")"
		fi
	done
	return 0
}

# assert_iptables_save_clean WHAT: iptables-save works and reads every rule.
assert_iptables_save_clean()
{
	capture iptables-save
	[ "$RC" = 0 ] || fail "$1: iptables-save failed: $OUT"
	assert_not_contains "$OUT" "incompatible" "$1: iptables-save"
	assert_not_contains "$OUT" "Warning" "$1: iptables-save"
	capture iptables -L -n
	[ "$RC" = 0 ] || fail "$1: iptables -L failed: $OUT"
	assert_not_contains "$OUT" "incompatible" "$1: iptables -L"
}

# fw_nft_set TABLE_FAMILY TABLE SET: the elements of a set, one per line ("" if none).
fw_nft_set()
{
	nft list set "$1" "$2" "$3" 2>/dev/null |
		awk '/elements = \{/ {on = 1; sub(/.*elements = \{/, "")} on {print} /\}/ {on = 0}' |
		tr ',' '\n' | sed -e 's/[{}]//g' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v '^$' || true
}

# ---------------------------------------------------------------- br_netfilter

# Whether bridged IPv4 frames go through the IP hooks changes how hairpin traffic
# travels (routed, or bridged back after a DNAT in the bridge's PREROUTING).  The
# setting is per network namespace (Linux >= 5.3) and defaults to 1 wherever the
# br_netfilter module is loaded (as Docker loads it).
FW_BRNF=/proc/sys/net/bridge/bridge-nf-call-iptables

# fw_brnf_values: "0 1" when the sandbox has the setting, else "-" (no br_netfilter).
fw_brnf_values()
{
	if [ -w "$FW_BRNF" ]; then echo "0 1"; else echo "-"; fi
}

# fw_brnf VALUE: set it ("-": nothing to set).
fw_brnf()
{
	[ "$1" = - ] && return 0
	echo "$1" >"$FW_BRNF" || fail "cannot set bridge-nf-call-iptables"
}
