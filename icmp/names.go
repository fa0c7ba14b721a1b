package icmp

import "strconv"

var v4Names = map[uint8]string{
	0: "echo-reply", 3: "destination-unreachable", 4: "source-quench", 5: "redirect",
	8: "echo-request", 9: "router-advertisement", 10: "router-solicitation", 11: "time-exceeded",
	12: "parameter-problem", 13: "timestamp", 14: "timestamp-reply", 17: "address-mask-request",
	18: "address-mask-reply", 42: "extended-echo-request", 43: "extended-echo-reply",
}

var v6Names = map[uint8]string{
	1: "destination-unreachable", 2: "packet-too-big", 3: "time-exceeded", 4: "parameter-problem",
	128: "echo-request", 129: "echo-reply", 130: "mld-query", 131: "mld-report", 132: "mld-done",
	133: "router-solicitation", 134: "router-advertisement", 135: "neighbor-solicitation",
	136: "neighbor-advertisement", 137: "redirect", 143: "mldv2-report",
}

// TypeName returns the name of an ICMP (v6 false) or ICMPv6 type.
func TypeName(v6 bool, t uint8) string {
	m := v4Names
	if v6 {
		m = v6Names
	}
	if n, ok := m[t]; ok {
		return n
	}
	return "type-" + strconv.Itoa(int(t))
}

var unreach4 = [...]string{"net-unreachable", "host-unreachable", "protocol-unreachable", "port-unreachable",
	"fragmentation-needed", "source-route-failed", "net-unknown", "host-unknown", "source-host-isolated",
	"net-prohibited", "host-prohibited", "net-unreachable-tos", "host-unreachable-tos",
	"communication-prohibited", "host-precedence-violation", "precedence-cutoff"}

var unreach6 = [...]string{"no-route", "communication-prohibited", "beyond-scope", "address-unreachable",
	"port-unreachable", "source-policy-failed", "reject-route", "source-routing-header-error"}

// UnreachableName names a destination-unreachable code.
func UnreachableName(v6 bool, code uint8) string {
	if v6 {
		if int(code) < len(unreach6) {
			return unreach6[code]
		}
	} else if int(code) < len(unreach4) {
		return unreach4[code]
	}
	return "code-" + strconv.Itoa(int(code))
}
