package pcapai

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// addSeedFiles adds the first max bytes of every capture in testdata. Cut
// captures end in a partial record (the truncation path), and small seeds
// keep the fuzzer's minimization of each new input short: whole captures of
// 20–70 KiB made it spend minutes minimizing and almost none fuzzing.
func addSeedFiles(f *testing.F, max int) {
	for _, pat := range []string{"testdata/*.pcap", "testdata/*.pcapng", "testdata/*.gz"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err == nil {
				f.Add(b[:min(len(b), max)])
			}
		}
	}
	f.Add(pcaptest.PCAP(1700000000, pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1, Flags: 0x02})))
}

// FuzzReader feeds arbitrary file bytes to the reader and the whole pass:
// any input must end in a Report or an error, never a panic or a hang.
func FuzzReader(f *testing.F) {
	addSeedFiles(f, 4<<10)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		rep, err := Analyze(context.Background(), r, Options{noRecover: true, MaxPackets: 2000})
		if err != nil {
			t.Fatalf("Analyze: %v", err)
		}
		if rep.Capture.Packets != rep.Decode.Packets {
			t.Fatalf("capture packets %d != decoded %d", rep.Capture.Packets, rep.Decode.Packets)
		}
	})
}

// FuzzDecoder feeds arbitrary frames, under every link type the decoder
// knows, to the decoder and the flow table.
func FuzzDecoder(f *testing.F) {
	f.Add(uint16(1), pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1, Flags: 0x02, Payload: []byte("x")}))
	f.Add(uint16(101), []byte{0x45, 0, 0, 20, 0, 0, 0x20, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2})
	f.Add(uint16(276), make([]byte, 40))
	f.Fuzz(func(t *testing.T, lt uint16, frame []byte) {
		d := flows.NewDecoder(flows.DecoderConfig{})
		d.CatchPanics = false
		tab := flows.NewTable(100)
		var p flows.Packet
		for i := uint64(1); i <= 3; i++ {
			d.Decode(frame, flows.LinkType(lt), i, time.Unix(int64(i), 0).UTC(), len(frame), 0, &p)
			tab.Observe(&p)
			if len(p.Payload) > len(frame) {
				t.Fatalf("payload longer than the frame")
			}
		}
	})
}
