package pcapai

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// TestNoAllocsSIPHTTPCreds: after the SDP has announced the media, an RTP
// packet goes through the flow table and the sip, creds and http modules
// without allocating; so do packets of known TCP flows they ignore.
func TestNoAllocsSIPHTTPCreds(t *testing.T) {
	for _, tc := range []struct {
		file  string
		frame uint64 // a frame of a flow already seen
		why   string
	}{
		{"sip_call_sipp.pcap", 100, "RTP packet of the announced stream"},
		{"logins_http_ftp_telnet.pcap", 45, "FTP data or control segment of a known flow"},
		{"mail_logins_curl.pcap", 70, "SMTP DATA segment"},
	} {
		e, err := newEngine(Options{Modules: []string{ModSIP, ModCreds, ModHTTP}, noRecover: true})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), tc.file))
		if err != nil {
			t.Fatal(err)
		}
		cf, err := capfile.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var p flows.Packet
		for n := uint64(1); n <= tc.frame; n++ {
			rec, err := cf.Next()
			if err != nil {
				t.Fatal(err)
			}
			e.dec.Decode(rec.Data, flows.LinkEthernet, n, time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface, &p)
			if n < tc.frame {
				e.observe(&p)
			}
		}
		e.observe(&p)
		// Replayed, a segment is a duplicate ACK to the flow table: that
		// path must not allocate either.
		if n := testing.AllocsPerRun(1000, func() { e.observe(&p) }); n != 0 {
			t.Errorf("%s frame %d (%s): %v allocs per packet; want 0", tc.file, tc.frame, tc.why, n)
		}
	}
}
