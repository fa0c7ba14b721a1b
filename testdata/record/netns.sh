# netns.sh: what the recording scripts share. Source it after setting
# NSES (the network namespaces the script owns) and, for veth_pair, CLI and
# SRV. It gives WORK (a temporary directory), PIDS (background processes to
# stop), delns, cleanup (trapped on EXIT: stops PIDS, deletes the
# namespaces and WORK), check_tcpdump and veth_pair. Traffic stays inside
# the namespaces.

WORK=$(mktemp -d)
PIDS=()
delns() { for ns in $NSES; do ip netns del "$ns" 2>/dev/null || true; done; }
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  sleep 0.2; delns; rm -rf "$WORK"
}
trap cleanup EXIT

# check_tcpdump LOG: every packet the filter accepted must be in the file.
check_tcpdump() {
  local c r
  c=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$1")
  r=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$1")
  echo "tcpdump: $c captured, $r received by filter ($1)"
  [ -n "$c" ] && [ "$c" = "$r" ] || { echo "tcpdump did not write every packet" >&2; exit 1; }
}

# veth_pair PREFIX: $CLI (PREFIX.1/24 on pa-cli0) and $SRV (PREFIX.2/24 on
# pa-srv0) joined by a veth, IPv6 off, segmentation offloads off where
# ethtool exists (so every segment on the wire is a segment in the file),
# links up.
veth_pair() {
  local ns dev
  ip netns add "$CLI"
  ip netns add "$SRV"
  ip link add pa-cli0 netns "$CLI" type veth peer name pa-srv0 netns "$SRV"
  for ns in $CLI $SRV; do
    dev=pa-${ns#pa-}0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$ns" ip link set lo up
    if command -v ethtool >/dev/null; then
      ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 || true
    fi
  done
  ip -n "$CLI" addr add "$1.1/24" dev pa-cli0
  ip -n "$SRV" addr add "$1.2/24" dev pa-srv0
  ip -n "$CLI" link set pa-cli0 up
  ip -n "$SRV" link set pa-srv0 up
}
