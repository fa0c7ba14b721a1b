package pcapai

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func filterFile(t *testing.T, file string, f Filter) *FilterResult {
	t.Helper()
	r, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := FilterPackets(context.Background(), r, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Filter counts agree with tshark on the same file and filter.
func TestFilterPacketsAgainstTshark(t *testing.T) {
	scanFile := recording(t, "scan_nmap_syn.pcap")
	beaconFile := recording(t, "beacon_http_jitter.pcap")
	for _, tc := range []struct {
		name, file, tshark string
		f                  Filter
	}{
		{"SYN-only to the scanned host", scanFile, "ip.dst==10.0.1.2 && tcp.flags.syn==1 && tcp.flags.ack==0",
			Filter{Hosts: nil, TCPFlagsSet: flows.SYN, TCPFlagsClear: flows.ACK, Protocols: []flows.Proto{flows.TCP}}},
		{"port 22 both ways", scanFile, "tcp.port==22", Filter{Ports: []uint16{22}}},
		{"payload contains GET", beaconFile, `tcp.payload contains "GET / HTTP"`, Filter{Contains: []byte("GET / HTTP")}},
		{"payload regexp beacon-0[0-9]", beaconFile, `udp.payload matches "beacon-0[0-9]-"`, Filter{Regexp: `beacon-0[0-9]-`, Protocols: []flows.Proto{flows.UDP}}},
		{"frame range", beaconFile, "frame.number>=100 && frame.number<=200 && ip.addr==198.51.100.8", Filter{FirstFrame: 100, LastFrame: 200, Hosts: hostsOf1("198.51.100.8")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := pcaptest.TsharkFrames(t, tc.file, tc.tshark)
			res := filterFile(t, tc.file, tc.f)
			if int(res.Matched) != len(want) {
				t.Fatalf("matched %d; tshark -Y %q selects %d", res.Matched, tc.tshark, len(want))
			}
			for i, p := range res.Packets {
				if p.Frame != want[i] {
					t.Fatalf("packet %d is frame %d; tshark %d", i, p.Frame, want[i])
				}
				if p.Info == "" || p.Src == "" {
					t.Fatalf("empty summary %+v", p)
				}
			}
		})
	}
}

// Carving a finding's evidence writes exactly those frames, with their
// timestamps and bytes, as a pcapng tshark reads.
func TestCarveFindingEvidence(t *testing.T) {
	file := recording(t, "scan_nmap_syn.pcap")
	rep := analyzeDet(t, file, Options{})
	ps := findingsOf(rep, "port_scan")
	if len(ps) == 0 {
		t.Fatal("no port scan")
	}
	flt := FilterForFinding(ps[0])
	r, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	n, err := Carve(context.Background(), r, flt, &buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != len(ps[0].Evidence.Frames) {
		t.Fatalf("carved %d packets; evidence has %d frames", n, len(ps[0].Evidence.Frames))
	}
	out := filepath.Join(t.TempDir(), "carved.pcapng")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	fields := func(f, filter string) string {
		args := []string{"-r", f, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "tcp.dstport"}
		if filter != "" {
			args = append(args, "-Y", filter)
		}
		b, err := exec.Command("tshark", args...).Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	got := fields(out, "")
	want := fields(file, ps[0].Evidence.DisplayFilter+" && frame.number<="+itoa(ps[0].Evidence.Frames[len(ps[0].Evidence.Frames)-1]))
	if got != want {
		t.Errorf("carved packets differ from the evidence frames:\n got %s\nwant %s", head(got), head(want))
	}
}

func hostsOf1(s string) []netip.Addr { return []netip.Addr{netip.MustParseAddr(s)} }

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func head(s string) string {
	if len(s) > 300 {
		return s[:300]
	}
	return s
}
