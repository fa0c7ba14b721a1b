package pcapai

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func analyzeProto(t *testing.T, path string) *Report {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := Analyze(context.Background(), r, Options{noRecover: true, Modules: []string{ModDHCP, ModICMP, ModARP}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func icmpCounts(rep *Report, family string) (byType map[string]uint64, req, rep2 uint64) {
	byType = map[string]uint64{}
	if rep.ICMP == nil {
		return
	}
	for _, tc := range rep.ICMP.Types {
		if tc.Family != family {
			continue
		}
		byType[strconv.Itoa(int(tc.Type))] = tc.Count
	}
	if family == "icmp" {
		return byType, byType["8"], byType["0"]
	}
	return byType, byType["128"], byType["129"]
}

// TestProtoSharedTruth compares the dhcp and icmp sections with tshark's
// figures in ../shared/pcaps/truth.json for every file that has them.
//
// Known difference, checked by hand: in pcapng-testsuite-be-102.pcapng
// tshark counts 1 DHCP message (one OFFER); frames 2, 5 and 6 are BOOTP
// records cut by the snapshot length before option 53 (tshark shows them
// as "BOOTP … [Packet size limited during capture]"): we count them as
// "BOOTP", outside the typed counts.
func TestProtoSharedTruth(t *testing.T) {
	dir, entries := pcaptest.SharedTruth(t)
	for _, e := range entries {
		_, hasD := e.Truth["dhcp"]
		_, hasI := e.Truth["icmp"]
		_, hasI6 := e.Truth["icmpv6"]
		if !hasD && !hasI && !hasI6 {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			rep := analyzeProto(t, filepath.Join(dir, e.Name))
			if d, ok := e.Truth["dhcp"].(map[string]any); ok {
				want, _ := pcaptest.Num(d, "messages")
				got := uint64(0)
				if rep.DHCP != nil {
					for k, v := range rep.DHCP.Messages {
						if k != "BOOTP" {
							got += v
						}
					}
				}
				if got != uint64(want) {
					t.Errorf("dhcp messages = %d; tshark %v", got, want)
				}
				by, _ := d["by_type"].(map[string]any)
				for k, v := range by {
					if rep.DHCP == nil || float64(rep.DHCP.Messages[k]) != v.(float64) {
						t.Errorf("dhcp %s: got %v; tshark %v", k, rep.DHCP, v)
					}
				}
			}
			for _, fam := range []string{"icmp", "icmpv6"} {
				m, ok := e.Truth[fam].(map[string]any)
				if !ok {
					continue
				}
				by, req, rp := icmpCounts(rep, fam)
				wantBy, _ := m["by_type"].(map[string]any)
				if len(by) != len(wantBy) {
					t.Errorf("%s types = %v; tshark %v", fam, by, wantBy)
				}
				for k, v := range wantBy {
					if float64(by[k]) != v.(float64) {
						t.Errorf("%s type %s = %d; tshark %v", fam, k, by[k], v)
					}
				}
				wq, _ := pcaptest.Num(m, "echo_request")
				wr, _ := pcaptest.Num(m, "echo_reply")
				if float64(req) != wq || float64(rp) != wr {
					t.Errorf("%s echo request/reply = %d/%d; tshark %v/%v", fam, req, rp, wq, wr)
				}
			}
		})
	}
}

// TestDHCPFloodIsNotStarvation: dhcp-flood.pcap holds 250 INFORM/ACK pairs,
// all from one client MAC (90:b1:1c:99:49:29, checked with tshark -e
// dhcp.hw.mac_addr) and one transaction ID. INFORM is sent by a client that
// already has an address and asks only for configuration; one client cannot
// drain a pool, and no DISCOVER/REQUEST from new MACs appears. So it is
// not DHCP starvation and must not be reported as such.
func TestDHCPFloodIsNotStarvation(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	rep := analyzeProto(t, filepath.Join(dir, "dhcp-flood.pcap"))
	if rep.DHCP == nil || rep.DHCP.Messages["INFORM"] != 250 || rep.DHCP.Messages["ACK"] != 250 {
		t.Fatalf("dhcp = %+v; want 250 INFORM and 250 ACK", rep.DHCP)
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Kind, "dhcp_") {
			t.Errorf("unexpected finding %s: %s", f.Kind, f.Summary)
		}
	}
	macs := map[string]bool{}
	for _, tx := range rep.DHCP.Transactions {
		macs[tx.ClientMAC] = true
	}
	if len(macs) != 1 || !macs["90:b1:1c:99:49:29"] {
		t.Errorf("client MACs = %v; tshark shows only 90:b1:1c:99:49:29", macs)
	}
}

type protoTruth map[string]struct {
	DHCP struct {
		ByType      map[string]uint64   `json:"by_type"`
		Servers     []string            `json:"servers"`
		Acks        [][2]string         `json:"acks"`
		Answers     map[string][]uint64 `json:"answers_by_server"`
		FirstServer string              `json:"first_server"`
		V6ByType    map[string]uint64   `json:"v6_by_type"`
		RASources   []string            `json:"ra_sources"`
	} `json:"dhcp"`
	ARP struct {
		Bindings   [][2]string `json:"bindings"`
		Gratuitous uint64      `json:"gratuitous"`
	} `json:"arp"`
	ICMP struct {
		ByType            map[string]uint64 `json:"by_type"`
		TimeExceededFrom  []string          `json:"time_exceeded_sources"`
		Unreachable       []string          `json:"unreachable"`
		EchoRequestsByDst map[string]uint64 `json:"echo_requests_by_dst"`
		Redirects         [][3]any          `json:"redirects"`
	} `json:"icmp"`
	ICMPv6 struct {
		ByType           map[string]uint64 `json:"by_type"`
		TimeExceededFrom []string          `json:"time_exceeded_sources"`
		Unreachable      []string          `json:"unreachable"`
	} `json:"icmpv6"`
}

func loadProtoTruth(t *testing.T) protoTruth {
	raw, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), "proto_truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pt protoTruth
	if err := json.Unmarshal(raw, &pt); err != nil {
		t.Fatal(err)
	}
	return pt
}

// TestDHCPRogueRecorded checks the dnsmasq recording (record_proto.sh):
// two servers answer every DISCOVER, udhcpc and dhclient both took the
// rogue's faster offer, then the rogue claimed 10.50.0.1 by gratuitous ARP.
func TestDHCPRogueRecorded(t *testing.T) {
	const name = "dhcp_rogue_dnsmasq.pcap"
	truth := loadProtoTruth(t)[name]
	rep := analyzeProto(t, filepath.Join(pcaptest.TestdataDir(), name))
	if rep.DHCP == nil || rep.ARP == nil {
		t.Fatal("no dhcp or arp section")
	}
	for k, v := range truth.DHCP.ByType {
		if rep.DHCP.Messages[k] != v {
			t.Errorf("dhcp %s = %d; tshark %d", k, rep.DHCP.Messages[k], v)
		}
	}
	if fmt.Sprint(rep.DHCP.V6Messages) != fmt.Sprint(truth.DHCP.V6ByType) {
		t.Errorf("dhcpv6 = %v; tshark %v", rep.DHCP.V6Messages, truth.DHCP.V6ByType)
	}
	var routers []string
	if rep.ICMP != nil {
		for _, r := range rep.ICMP.Routers {
			routers = append(routers, r.Addr.String())
		}
	}
	if !slices.Equal(routers, truth.DHCP.RASources) {
		t.Errorf("IPv6 routers = %v; tshark router advertisements from %v", routers, truth.DHCP.RASources)
	}
	var servers []string
	for _, s := range rep.DHCP.Servers {
		if !s.V6 {
			servers = append(servers, s.Addr.String())
		}
	}
	slices.Sort(servers)
	if !slices.Equal(servers, truth.DHCP.Servers) {
		t.Errorf("servers = %v; tshark %v", servers, truth.DHCP.Servers)
	}
	var leases [][2]string
	for _, l := range rep.DHCP.Leases {
		leases = append(leases, [2]string{l.MAC, l.Addr.String()})
	}
	if !slices.Equal(leases, truth.DHCP.Acks) {
		t.Errorf("leases = %v; tshark ACKs %v", leases, truth.DHCP.Acks)
	}
	var binds [][2]string
	for _, b := range rep.ARP.Bindings {
		binds = append(binds, [2]string{b.IP.String(), b.MAC})
	}
	if !slices.Equal(binds, truth.ARP.Bindings) {
		t.Errorf("arp bindings = %v; tshark %v", binds, truth.ARP.Bindings)
	}
	if rep.ARP.Gratuitous != truth.ARP.Gratuitous {
		t.Errorf("gratuitous = %d; tshark %d", rep.ARP.Gratuitous, truth.ARP.Gratuitous)
	}
	for _, fl := range rep.Flows {
		dp := fl.Dst.Port()
		if (dp == 67 || dp == 547) && fl.App != "dhcp" {
			t.Errorf("flow %d %v → %v: App = %q; want dhcp", fl.ID, fl.Src, fl.Dst, fl.App)
		}
	}
	kinds := map[string]attack.Finding{}
	for _, f := range rep.Findings {
		kinds[f.Kind] = f
	}
	rogue, ok := kinds["dhcp_rogue_server"]
	if !ok {
		t.Fatalf("no dhcp_rogue_server finding: %v", rep.Findings)
	}
	// Without Config.KnownServers the first server seen answering is taken
	// as expected and the other one is named (the dnsmasq race decides
	// which answers first; tshark's first OFFER says which did). The dhcp
	// package test checks the KnownServers path.
	other := truth.DHCP.Servers[0]
	if other == truth.DHCP.FirstServer {
		other = truth.DHCP.Servers[1]
	}
	if rogue.Src.String() != other || !slices.Equal(rogue.Evidence.Frames, truth.DHCP.Answers[other]) {
		t.Errorf("rogue finding = %s, frames %v; tshark: %s answered in %v", rogue.Summary, rogue.Evidence.Frames, other, truth.DHCP.Answers[other])
	}
	if f, ok := kinds["arp_spoofing"]; !ok || f.Src.String() != "10.50.0.1" {
		t.Errorf("arp_spoofing finding = %+v", f)
	}
	for _, f := range rep.Findings {
		checkEvidence(t, filepath.Join(pcaptest.TestdataDir(), name), f)
	}
}

// TestICMPRecorded checks the router-namespace recording: ping, UDP and
// ICMP traceroute over two routers, a closed UDP port, an unroutable
// network, a 20-host sweep and random-payload echoes.
func TestICMPRecorded(t *testing.T) {
	const name = "icmp_traceroute_netns.pcap"
	truth := loadProtoTruth(t)[name]
	rep := analyzeProto(t, filepath.Join(pcaptest.TestdataDir(), name))
	by, _, _ := icmpCounts(rep, "icmp")
	if fmt.Sprint(by) != fmt.Sprint(truth.ICMP.ByType) {
		t.Errorf("types = %v; tshark %v", by, truth.ICMP.ByType)
	}
	sent := map[string]uint64{}
	for _, e := range rep.ICMP.Echo {
		if e.Family == "icmp" {
			sent[e.Dst.String()] += e.Sent
		}
	}
	if fmt.Sprint(sent) != fmt.Sprint(truth.ICMP.EchoRequestsByDst) {
		t.Errorf("echo requests by dst = %v; tshark %v", sent, truth.ICMP.EchoRequestsByDst)
	}
	var un []string
	for _, u := range rep.ICMP.Unreachable {
		if u.Family != "icmp" {
			continue
		}
		for range u.Count {
			port := ""
			if u.Original.Proto == "udp" {
				port = strconv.Itoa(int(u.Original.Dst.Port()))
			}
			proto := map[string]string{"udp": "17", "icmp": "1", "tcp": "6"}[u.Original.Proto]
			un = append(un, fmt.Sprintf("%s code=%d quoted=%s/%s:%s", u.Reporter, u.Code, proto, u.Original.Dst.Addr(), port))
		}
	}
	slices.Sort(un)
	un = slices.Compact(un)
	if !slices.Equal(un, truth.ICMP.Unreachable) {
		t.Errorf("unreachable = %v\ntshark %v", un, truth.ICMP.Unreachable)
	}
	// traceroute(8) printed hops 10.60.1.1, 10.60.2.2, 10.60.3.2 for both
	// the UDP and the ICMP (-I) run, and fd00:1::1, fd00:2::2, fd00:3::2
	// for traceroute -6; tshark shows the time-exceeded sources.
	wantHops := map[string]string{
		"udp 10.60.3.2":  "1:10.60.1.1 2:10.60.2.2 3:10.60.3.2",
		"icmp 10.60.3.2": "1:10.60.1.1 2:10.60.2.2 3:10.60.3.2",
		"udp fd00:3::2":  "1:fd00:1::1 2:fd00:2::2 3:fd00:3::2",
	}
	if len(rep.ICMP.Traceroutes) != len(wantHops) {
		t.Fatalf("traceroutes = %+v", rep.ICMP.Traceroutes)
	}
	for _, tr := range rep.ICMP.Traceroutes {
		var hops []string
		for _, h := range tr.Hops {
			hops = append(hops, fmt.Sprintf("%d:%s", h.TTL, h.Router))
			if h.TTLInferred {
				t.Errorf("%s hop %d TTL inferred; the probe is in the capture", tr.Proto, h.TTL)
			}
		}
		k := tr.Proto + " " + tr.Dst.String()
		if got := strings.Join(hops, " "); got != wantHops[k] || !tr.Reached {
			t.Errorf("%s traceroute hops = %s reached=%v; want %s", k, got, tr.Reached, wantHops[k])
		}
	}
	by6, _, _ := icmpCounts(rep, "icmpv6")
	if fmt.Sprint(by6) != fmt.Sprint(truth.ICMPv6.ByType) {
		t.Errorf("icmpv6 types = %v; tshark %v", by6, truth.ICMPv6.ByType)
	}
	var un6 []string
	for _, u := range rep.ICMP.Unreachable {
		if u.Family == "icmpv6" {
			un6 = append(un6, fmt.Sprintf("%s code=%d quoted=%s:%d", u.Reporter, u.Code, u.Original.Dst.Addr(), u.Original.Dst.Port()))
		}
	}
	slices.Sort(un6)
	if !slices.Equal(un6, truth.ICMPv6.Unreachable) {
		t.Errorf("icmpv6 unreachable = %v; tshark %v", un6, truth.ICMPv6.Unreachable)
	}
	if len(rep.ICMP.Redirects) != len(truth.ICMP.Redirects) {
		t.Fatalf("redirects = %+v; tshark %v", rep.ICMP.Redirects, truth.ICMP.Redirects)
	}
	for i, r := range rep.ICMP.Redirects {
		w := truth.ICMP.Redirects[i]
		if float64(r.Frame) != w[0].(float64) || r.Router.String() != w[1] || r.Gateway.String() != w[2] || r.Dest.String() != "10.60.9.1" {
			t.Errorf("redirect %+v; tshark %v (destination 10.60.9.1 by the script)", r, w)
		}
	}
	for _, u := range rep.ICMP.Unreachable {
		if u.Original.Proto == "udp" && u.FlowID == 0 {
			t.Errorf("port unreachable for %v not linked to its flow", u.Original)
		}
	}
	kinds := map[string]attack.Finding{}
	for _, f := range rep.Findings {
		kinds[f.Kind] = f
	}
	// 20 sweep targets + 10.60.3.2 (ping/tunnel) + 10.60.9.1 (redirected)
	// + 10.99.0.1 = 23 hosts, as tshark's echo requests by destination.
	if f, ok := kinds["ping_sweep"]; !ok || f.Features[0].Value != float64(len(truth.ICMP.EchoRequestsByDst)) {
		t.Errorf("ping_sweep = %+v", f)
	}
	if f, ok := kinds["icmp_tunnel"]; !ok || f.Dst.String() != "10.60.3.2" {
		t.Errorf("icmp_tunnel = %+v", f)
	}
	if f, ok := kinds["icmp_redirect"]; !ok || f.Evidence.FramesTotal != len(truth.ICMP.Redirects) {
		t.Errorf("icmp_redirect = %+v", f)
	}
	for _, f := range rep.Findings {
		checkEvidence(t, filepath.Join(pcaptest.TestdataDir(), name), f)
	}
}

// TestProtoNoAllocs: a packet of a known flow costs the dhcp, icmp and arp
// modules no allocation. Frames of the ICMP recording (tshark): 1 router
// solicitation, 2 echo request, 3 its reply, 8 a UDP traceroute probe with
// TTL 1, 9 its time exceeded; each is seen once before the measurement.
func TestProtoNoAllocs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), "icmp_traceroute_netns.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for range 9 {
		rec, err := r.cf.Next()
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, slices.Clone(rec.Data))
	}
	e, err := newEngine(Options{noRecover: true, Modules: []string{ModDHCP, ModICMP, ModARP}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 2, 7, 8} {
		data := frames[i]
		e.dec.Decode(data, 1, uint64(i+1), time.Unix(0, 0).UTC(), len(data), 0, &e.pkts[0])
		e.observe(&e.pkts[0])
		if n := testing.AllocsPerRun(1000, func() { e.observe(&e.pkts[0]) }); n != 0 {
			t.Errorf("frame %d: %v allocs per packet; want 0", i+1, n)
		}
	}
}

// TestUnreachableQuotedShared: the quoted datagrams of unreachables in the
// shared corpus, as tshark -E occurrence=a shows them (inner ip/tcp/udp
// fields of the ICMP error).
func TestUnreachableQuotedShared(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	tests := []struct {
		file, want string
	}{
		// tshark: frames 26 28 29 30, ip.src 192.168.1.1, icmp.mtu 1492, quoted tcp 1470 → 25
		{"smtp.pcap", "192.168.1.1 fragmentation-needed tcp 10.10.1.4:1470→74.53.140.153:25 mtu=1492 frames=[26 28 29 30]"},
		// tshark: frames 34 36, quoted udp 37675 → 53 (inside GRE)
		{"gre-sample.pcap", "172.28.2.3 port-unreachable udp 66.59.111.190:37675→172.28.2.3:53 mtu=0 frames=[34 36]"},
	}
	for _, tc := range tests {
		rep := analyzeProto(t, filepath.Join(dir, tc.file))
		if rep.ICMP == nil || len(rep.ICMP.Unreachable) != 1 {
			t.Fatalf("%s: unreachable = %+v", tc.file, rep.ICMP)
		}
		u := rep.ICMP.Unreachable[0]
		got := fmt.Sprintf("%s %s %s %s→%s mtu=%d frames=%v", u.Reporter, u.CodeName, u.Original.Proto, u.Original.Src, u.Original.Dst, u.NextHopMTU, u.Frames)
		if got != tc.want {
			t.Errorf("%s: got %s\nwant %s", tc.file, got, tc.want)
		}
		if u.FlowID == 0 {
			t.Errorf("%s: quoted datagram not linked to its flow", tc.file)
		}
	}
}
