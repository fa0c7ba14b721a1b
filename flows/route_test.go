package flows_test

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func sharedPorts() *flows.PortSet {
	var s flows.PortSet
	s.Add(53, 5353, 5355, 5060, 5061)
	return &s
}

type route struct {
	h  uint64
	ok bool
}

// TestShardKeepsFlowsWhole decodes every capture as the engine does and
// checks, against the decoder's own view, that flows.Shard gives all
// packets of a TCP flow one route (both directions, every fragment), that
// only TCP leaves shard 0, and that TCP to a shared port stays on it.
func TestShardKeepsFlowsWhole(t *testing.T) {
	files := pcaptest.Captures()
	ports := sharedPorts()
	var spread, tcpFlows int
	for _, f := range files {
		routes := map[*flows.Flow]route{}
		pcaptest.Records(t, f, func(data []byte, lt flows.LinkType, p *flows.Packet) {
			h, ok := flows.Shard(data, lt, ports)
			if ok && p.Net != flows.NetNone && p.Proto != flows.TCP && !p.Fragment && len(p.Tunnels) == 0 {
				t.Errorf("%s frame %d: %v packet routed off shard 0", filepath.Base(f), p.Frame, p.Proto)
			}
			if ok && p.Proto == flows.TCP && p.L4 && (ports.Has(p.SrcPort) || ports.Has(p.DstPort)) {
				t.Errorf("%s frame %d: TCP %d→%d on a shared port routed off shard 0", filepath.Base(f), p.Frame, p.SrcPort, p.DstPort)
			}
			if p.Flow == nil || p.Flow.Proto != flows.TCP || len(p.Tunnels) > 0 {
				return
			}
			r := route{h, ok}
			if old, seen := routes[p.Flow]; !seen {
				routes[p.Flow] = r
				tcpFlows++
				if ok {
					spread++
				}
			} else if old != r {
				t.Errorf("%s frame %d: flow %v↔%v routed %v, earlier %v", filepath.Base(f), p.Frame, p.Flow.Src, p.Flow.Dst, r, old)
			}
		})
	}
	if tcpFlows < 50 || spread < tcpFlows/2 {
		t.Fatalf("%d TCP flows, %d of them spread over shards; want most of at least 50", tcpFlows, spread)
	}
}

// FuzzShard: any bytes on any link type, no panic.
func FuzzShard(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0, 1, 0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 53, 0, 80}, uint16(1))
	f.Add([]byte{0x60, 0, 0, 0, 0, 8, 44, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 0, 0, 8, 0, 0, 0, 1}, uint16(101))
	f.Add([]byte{0x88, 0x47, 0, 1, 0x81, 64}, uint16(276))
	ports := sharedPorts()
	f.Fuzz(func(t *testing.T, data []byte, lt uint16) {
		flows.Shard(data, flows.LinkType(lt), ports)
	})
}

func TestShardDirectionFree(t *testing.T) {
	a := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cliAP, Dst: srvAP, Seq: 1, Flags: 0x02})
	b := pcaptest.EthTCP(pcaptest.TCPSeg{Src: srvAP, Dst: cliAP, Seq: 1, Ack: 2, Flags: 0x12})
	ha, oka := flows.Shard(a, flows.LinkEthernet, sharedPorts())
	hb, okb := flows.Shard(b, flows.LinkEthernet, sharedPorts())
	if !oka || !okb || ha != hb {
		t.Fatalf("SYN %x %v, SYN+ACK %x %v; want one hash", ha, oka, hb, okb)
	}
	dns := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cliAP, Dst: dnsAP, Seq: 1, Flags: 0x02})
	if _, ok := flows.Shard(dns, flows.LinkEthernet, sharedPorts()); ok {
		t.Fatal("TCP to port 53 routed off shard 0")
	}
}

var (
	cliAP = netip.MustParseAddrPort("10.0.0.1:40000")
	srvAP = netip.MustParseAddrPort("192.0.2.7:443")
	dnsAP = netip.MustParseAddrPort("192.0.2.53:53")
)
