package capfile

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"testing"
)

// readyInputs returns a pcap and a pcapng holding the same 2000 records
// (60 to 1600 bytes, with a few bigger than the 16 KiB buffer and the
// largest allowed), the pcapng with blocks that are not packets among
// them, and the pcap gzip-compressed.
func readyInputs() map[string][]byte {
	sizes := make([]int, 2000)
	for i := range sizes {
		sizes[i] = 60 + (i*7919)%1540
	}
	sizes[500], sizes[501], sizes[1500] = minBufSize+100, 9000, MaxRecord
	pcap := PCAPHeader(1)
	ng := ngBlock(0x0A0D0D0A, []byte{0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	ng = append(ng, ngBlock(1, []byte{1, 0, 0, 0, 0, 0, 0, 0})...)
	for i, n := range sizes {
		rec := pcapRecord(i, n)
		pcap = append(pcap, rec...)
		ng = append(ng, ngEPB(rec[16:])...)
		if i%97 == 0 {
			ng = append(ng, ngBlock(0xBAD, binary.LittleEndian.AppendUint32(nil, uint32(i)))...) // custom: skipped
		}
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(pcap)
	w.Close()
	return map[string][]byte{"pcap": pcap, "pcapng": ng, "gzip": gz.Bytes()}
}

// TestReadyBatches reads records as the engine does, the first of a batch
// with Next and the others while Ready holds, keeping every record's Data
// uncopied until the batch ends, and checks them all against the records
// read one at a time and copied: Ready must never let Next move bytes a
// batch still points into. Readers with a 16 KiB buffer and with small
// read-ahead chunks make that move likely. Ready must also hold often
// enough for batches to form.
func TestReadyBatches(t *testing.T) {
	for name, raw := range readyInputs() {
		want, wantErr := records(t, raw, 0, false)
		if wantErr != io.EOF || len(want) != 2000 {
			t.Fatalf("%s: %d records, %v; want 2000, EOF", name, len(want), wantErr)
		}
		for _, ahead := range []int{0, 4096, 40000} {
			r, err := NewReaderSize(bytes.NewReader(raw), minBufSize)
			if err != nil {
				t.Fatal(err)
			}
			if ahead > 0 {
				a := newAhead(r.br, ahead, true)
				r.br, r.peekMax = a, bufSize
				defer a.close()
			}
			var got, batch []Record
			batches := 0
			for err == nil {
				batch = batch[:0]
				for len(batch) == 0 || len(batch) < 64 && r.Ready() {
					var rec Record
					if rec, err = r.Next(); err != nil {
						break
					}
					batch = append(batch, rec)
				}
				for i := range batch {
					if j := len(got) + i; j >= len(want) || !bytes.Equal(batch[i].Data, want[j].Data) {
						t.Fatalf("%s, read-ahead %d: record %d changed before its batch ended", name, ahead, j+1)
					}
				}
				got = append(got, batch...)
				if len(batch) > 0 {
					batches++
				}
			}
			if err != io.EOF || len(got) != len(want) {
				t.Fatalf("%s, read-ahead %d: %d records, %v; want %d, EOF", name, ahead, len(got), err, len(want))
			}
			if batches > len(want)/4 {
				t.Errorf("%s, read-ahead %d: %d batches for %d records; Ready holds too rarely", name, ahead, batches, len(want))
			}
		}
	}
}

// FuzzReady reads a capture in batches (Next, then Next while Ready holds)
// through a 16 KiB buffer and checks every record and the final error
// against reading it one record at a time: Ready never lets a batch's
// bytes move, and never changes what Next returns.
func FuzzReady(f *testing.F) {
	for _, raw := range readyInputs() {
		f.Add(raw[:min(len(raw), 40000)])
	}
	f.Add(append(PCAPHeader(1), pcapRecord(0, 70000)[:100]...)) // cut inside a record
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, wantErr := records(t, raw, 0, false)
		r, err := NewReaderSize(bytes.NewReader(raw), minBufSize)
		if err != nil {
			return
		}
		var got, batch []Record
		for err == nil {
			batch = batch[:0]
			for len(batch) == 0 || r.Ready() {
				var rec Record
				if rec, err = r.Next(); err != nil {
					break
				}
				batch = append(batch, rec)
			}
			for i := range batch {
				if j := len(got) + i; j >= len(want) || !bytes.Equal(batch[i].Data, want[j].Data) || batch[i].Offset != want[j].Offset {
					t.Fatalf("record %d changed before its batch ended", j+1)
				}
			}
			got = append(got, batch...)
		}
		if len(got) != len(want) || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("%d records, %v; want %d, %v", len(got), err, len(want), wantErr)
		}
	})
}
