package flows_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// seen is what the table told one packet.
type seen struct {
	Frame uint64
	Flow  uint64 // flow ID; 0 for none
	Dir   flows.Dir
	TCP   flows.TCPAnalysis
	First bool
}

type record struct {
	data  []byte
	lt    flows.LinkType
	t     int64
	orig  int
	iface int
}

// observeAll decodes recs with a fresh decoder and table and returns what
// the table said of each packet and its flows as JSON. With batch > 0 the
// packets are decoded batch at a time (a tunnelled packet ends its batch,
// as in the engine) and prefetched by pre before the table observes them
// in order; pre nil means the table itself.
func observeAll(t *testing.T, recs []record, batch int, pre *flows.Table) ([]seen, string) {
	dec := flows.NewDecoder(flows.DecoderConfig{})
	tab := flows.NewTable(0)
	if pre == nil {
		pre = tab
	}
	var out []seen
	ps := make([]flows.Packet, max(batch, 1))
	for i := 0; i < len(recs); {
		j, k := i, 0
		for j < len(recs) && k < len(ps) {
			r := &recs[j]
			dec.Decode(r.data, r.lt, uint64(j+1), time.Unix(0, r.t).UTC(), r.orig, r.iface, &ps[k])
			j, k = j+1, k+1
			if len(ps[k-1].Tunnels) > 0 {
				break
			}
		}
		if batch > 0 {
			pre.Prefetch(ps[:k])
		}
		for k = 0; i < j; i, k = i+1, k+1 {
			p := &ps[k]
			tab.Observe(p)
			s := seen{Frame: p.Frame, Dir: p.Dir, TCP: p.TCP, First: p.FirstPayload}
			if p.Flow != nil {
				s.Flow = p.Flow.ID
			}
			out = append(out, s)
		}
	}
	b, err := json.Marshal(tab.Flows())
	if err != nil {
		t.Fatal(err)
	}
	return out, string(b)
}

// TestPrefetchSameFlows: prefetching packets in batches, with the table
// itself or with another one, changes nothing the table says of any
// packet of any capture, nor its flows.
func TestPrefetchSameFlows(t *testing.T) {
	files := pcaptest.Captures()
	if len(files) == 0 {
		t.Fatal("no captures")
	}
	other := flows.NewTable(0) // a table whose index has another hash seed
	for _, f := range files {
		var recs []record
		pcaptest.EachRecord(t, f, func(rec *capfile.Record, lt flows.LinkType, _ uint64) {
			recs = append(recs, record{slices.Clone(rec.Data), lt, rec.Time, rec.OrigLen, rec.Iface})
		})
		want, wantFlows := observeAll(t, recs, 0, nil)
		for _, tc := range []struct {
			name  string
			batch int
			pre   *flows.Table
		}{
			{"batches of 1", 1, nil},
			{"batches of 3", 3, nil},
			{"batches of 16", 16, nil},
			{"prefetched by another table", 16, other},
		} {
			got, gotFlows := observeAll(t, recs, tc.batch, tc.pre)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s, %s: packets differ (-without prefetch +with):\n%s", filepath.Base(f), tc.name, d)
			} else if gotFlows != wantFlows {
				t.Errorf("%s, %s: flows differ", filepath.Base(f), tc.name)
			}
		}
	}
}

// TestPrefetchNoFlows: a batch without a single flow key, the first a
// table sees (an ARP-only start), reads nothing and creates nothing.
func TestPrefetchNoFlows(t *testing.T) {
	tab := flows.NewTable(0)
	ps := make([]flows.Packet, 4)
	ps[0].Net = flows.NetARP
	tab.Prefetch(ps)
	for i := range ps {
		tab.Observe(&ps[i])
	}
	if tab.Len() != 0 {
		t.Fatalf("%d flows; want 0", tab.Len())
	}
}
