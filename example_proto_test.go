package pcapai_test

import (
	"context"
	"fmt"

	"github.com/pcapai/pcapai"
)

// A traceroute rebuilt from the time-exceeded messages of a recording.
func ExampleAnalyze_traceroute() {
	r, err := pcapai.Open("testdata/icmp_traceroute_netns.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModICMP}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range rep.ICMP.Traceroutes {
		fmt.Printf("%s → %s (%s):", t.Src, t.Dst, t.Proto)
		for _, h := range t.Hops {
			fmt.Printf(" %d:%s", h.TTL, h.Router)
		}
		fmt.Println()
	}
	// Output:
	// 10.60.1.2 → 10.60.3.2 (udp): 1:10.60.1.1 2:10.60.2.2 3:10.60.3.2
	// 10.60.1.2 → 10.60.3.2 (icmp): 1:10.60.1.1 2:10.60.2.2 3:10.60.3.2
	// fd00:1::2 → fd00:3::2 (udp): 1:fd00:1::1 2:fd00:2::2 3:fd00:3::2
}

// The DHCP servers of a segment with a rogue server.
func ExampleAnalyze_dhcp() {
	r, err := pcapai.Open("testdata/dhcp_rogue_dnsmasq.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModDHCP}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rep.DHCP.Servers {
		fmt.Println(s.Addr, s.MAC, "offers", s.Offered, "router", s.Routers, "dhcpv6", s.V6)
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Kind, f.Techniques[0].ID)
	}
	// Output:
	// 10.50.0.66 02:00:00:00:00:02 offers [10.50.0.247] router [10.50.0.66] dhcpv6 false
	// 10.50.0.1 02:00:00:00:00:01 offers [10.50.0.147] router [10.50.0.1] dhcpv6 false
	// fe80::ff:fe00:1 02:00:00:00:00:01 offers [fd00:50::151] router [] dhcpv6 true
	// dhcp_rogue_server T1557.003
}
