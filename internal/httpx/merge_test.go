package httpx_test

import (
	"encoding/json"
	"hash/fnv"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
	"github.com/pcapai/pcapai/internal/creds"
	"github.com/pcapai/pcapai/internal/httpx"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// shard is one engine shard as the root wires it: its own decoder (IP
// fragment state), flow table, credentials detector and HTTP analyzer
// handing each request to the detector (module_creds.go, module_http.go;
// creds observes before http).
type shard struct {
	dec   *flows.Decoder
	tab   *flows.Table
	pkt   flows.Packet
	creds *creds.Detector
	http  *httpx.Analyzer
}

type caps struct {
	http  httpx.Config
	creds creds.Config
}

func newShard(c caps) *shard {
	s := &shard{dec: flows.NewDecoder(flows.DecoderConfig{}), tab: flows.NewTable(0), creds: creds.New(c.creds)}
	s.dec.CatchPanics = false
	hc := c.http
	hc.OnRequest = s.creds.ObserveHTTP
	s.http = httpx.New(hc)
	return s
}

func (s *shard) observe(rec *capfile.Record, lt flows.LinkType, n uint64) *flows.Packet {
	s.dec.Decode(rec.Data, lt, n, time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface, &s.pkt)
	s.tab.Observe(&s.pkt)
	s.creds.Observe(&s.pkt)
	s.http.Observe(&s.pkt)
	return &s.pkt
}

// byPair picks a shard by a direction-independent hash of the packet's IP
// address pair (shard 0 for packets without one), as the engine does.
func byPair(p *flows.Packet, n int) int {
	if p.Net != flows.NetIPv4 && p.Net != flows.NetIPv6 {
		return 0
	}
	a, b := p.Src, p.Dst
	if b.Less(a) {
		a, b = b, a
	}
	h := fnv.New64a()
	h.Write(a.AsSlice())
	h.Write(b.AsSlice())
	return int(h.Sum64() % uint64(n))
}

// byFlow picks a shard by a direction-independent hash of the transport
// endpoints: a finer split than the engine's that Merge's contract (disjoint
// flows) also allows, and that spreads one credential (a client's logins to
// one server, each on a new source port) over several shards. IP fragments
// go by address pair, so a datagram stays whole; none of these captures has
// a fragmented TCP or UDP flow (the flow count check would catch it).
func byFlow(p *flows.Packet, n int) int {
	if p.Fragment || !p.L4 || p.Proto != flows.TCP && p.Proto != flows.UDP {
		return byPair(p, n)
	}
	a, b := p.SrcAddrPort(), p.DstAddrPort()
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	h := fnv.New64a()
	for _, ap := range []netip.AddrPort{a, b} {
		h.Write(ap.Addr().AsSlice())
		h.Write([]byte{byte(ap.Port() >> 8), byte(ap.Port())})
	}
	h.Write([]byte{byte(p.Proto)})
	return int(h.Sum64() % uint64(n))
}

// result is what one capture gave, sequentially and sharded.
type result struct {
	seqHTTP, mergedHTTP     *httpx.Report
	seqCreds, mergedCreds   []attack.Finding
	seqDropped, mergedDrop  uint64
	httpShards, credsShards int // shards with requests, with credentials
	credsSplit              int // credentials found by more than one shard
	// The largest table of any shard before the merge: methods, hosts,
	// status codes, servers or downloads; credentials.
	maxTable, maxCreds int
}

// runSharded replays a capture once through one shard set fed every
// packet and once through n shards split by route; then it
// renumbers the shards' flows as the engine does (by first frame, ties by
// shard-local creation order), merges shards 1…n-1 into shard 0 and
// returns both results.
func runSharded(t *testing.T, path string, n int, route func(*flows.Packet, int) int, c caps) result {
	t.Helper()
	seq := newShard(c)
	shards := make([]*shard, n)
	for i := range shards {
		shards[i] = newShard(c)
	}
	pcaptest.EachRecord(t, path, func(rec *capfile.Record, lt flows.LinkType, k uint64) {
		// The sequential decode also serves to read the address pair.
		i := route(seq.observe(rec, lt, k), n)
		shards[i].observe(rec, lt, k)
	})

	var tabs []*flows.Table
	for _, s := range shards {
		tabs = append(tabs, s.tab)
	}
	all := flows.JoinTables(tabs...).Flows() // renumbered as the engine does
	if len(all) != seq.tab.Len() {
		t.Errorf("%d flows in the shards, %d in one table", len(all), seq.tab.Len())
	}

	var r result
	seen := map[string]int{}
	for _, s := range shards {
		h := s.http.Finish()
		if h.Totals.Requests > 0 {
			r.httpShards++
		}
		r.maxTable = max(r.maxTable, len(h.Totals.Methods), len(h.Totals.Hosts), len(h.Totals.StatusCodes), len(h.Servers), len(h.Downloads))
		fs, _ := s.creds.Findings()
		if len(fs) > 0 {
			r.credsShards++
		}
		r.maxCreds = max(r.maxCreds, len(fs))
		for _, f := range fs {
			k := credID(f)
			if seen[k]++; seen[k] == 2 {
				r.credsSplit++
			}
		}
	}
	for _, s := range shards[1:] {
		shards[0].http.Merge(s.http)
		shards[0].creds.Merge(s.creds)
	}
	r.seqHTTP, r.mergedHTTP = seq.http.Finish(), shards[0].http.Finish()
	r.seqCreds, r.seqDropped = seq.creds.Findings()
	r.mergedCreds, r.mergedDrop = shards[0].creds.Findings()
	return r
}

var cmpAddrs = []gocmp.Option{
	gocmp.Comparer(func(x, y netip.Addr) bool { return x == y }),
	gocmp.Comparer(func(x, y netip.AddrPort) bool { return x == y }),
}

// credID names a credential finding: client, server, service, user and
// secret (not the verdict).
func credID(f attack.Finding) string {
	k := f.Src.String() + " " + f.Dst.String()
	for _, ft := range f.Features {
		if ft.Name != "outcome" {
			k += " " + ft.Text
		}
	}
	return k
}

// compare fails when the merged result differs from the sequential one,
// in value or in its JSON bytes.
func compare(t *testing.T, r result) {
	t.Helper()
	compareHTTP(t, r)
	compareCreds(t, r)
}

func compareHTTP(t *testing.T, r result) {
	t.Helper()
	if d := gocmp.Diff(r.seqHTTP, r.mergedHTTP, cmpAddrs...); d != "" {
		t.Errorf("http (-sequential +merged):\n%s", d)
	}
	sameJSON(t, r.seqHTTP, r.mergedHTTP)
}

func compareCreds(t *testing.T, r result) {
	t.Helper()
	if d := gocmp.Diff(r.seqCreds, r.mergedCreds, cmpAddrs...); d != "" {
		t.Errorf("creds (-sequential +merged):\n%s", d)
	}
	if r.seqDropped != r.mergedDrop {
		t.Errorf("creds dropped: sequential %d, merged %d", r.seqDropped, r.mergedDrop)
	}
	sameJSON(t, r.seqCreds, r.mergedCreds)
}

func sameJSON(t *testing.T, want, got any) {
	t.Helper()
	a, err1 := json.Marshal(want)
	b, err2 := json.Marshal(got)
	if err1 != nil || err2 != nil || string(a) != string(b) {
		t.Errorf("JSON differs (%v, %v):\n%s\n%s", err1, err2, a, b)
	}
}

// mergeCaptures lists the recordings with HTTP or cleartext logins and the
// shared captures whose truth has an HTTP (or SMTP, SIP) section.
func mergeCaptures(t *testing.T) []string {
	var paths []string
	for _, name := range []string{
		"http_curl_local.pcap", "http_curl_local.pcapng", "http_curl_local.pcap.gz",
		"logins_http_ftp_telnet.pcap", "mail_logins_curl.pcap", "snmp_community_netsnmp.pcap",
		"sip_auth_fail_sipp.pcap", "sip_call_sipp.pcap", "sip_call_tcp_sipp.pcap", "sip_scan_nmap.pcap",
		"beacon_http_jitter.pcap", "upload_lateral.pcap",
	} {
		paths = append(paths, filepath.Join(pcaptest.TestdataDir(), name))
	}
	d := filepath.Join(pcaptest.Root(), "..", "shared", "pcaps")
	if _, err := os.Stat(filepath.Join(d, "truth.json")); err != nil {
		t.Log("shared captures not present (../shared/pcaps): testdata only")
		return paths
	}
	dir, entries := pcaptest.SharedTruth(t)
	for _, e := range entries {
		_, h := e.Truth["http"]
		_, m := e.Truth["smtp"]
		_, s := e.Truth["sip"]
		if h || m || s || strings.HasPrefix(e.Name, "smtp") {
			paths = append(paths, filepath.Join(dir, e.Name))
		}
	}
	return paths
}

// TestMergeShards: a capture split into 3 shards by address pair, its
// flows renumbered and the shards' analyzers merged, gives the HTTP section
// and the credential findings of one pass over every packet.
func TestMergeShards(t *testing.T) {
	spread := 0
	for _, path := range mergeCaptures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			r := runSharded(t, path, 3, byPair, caps{creds: creds.Config{RevealSecrets: true}})
			compare(t, r)
			if r.httpShards > 1 || r.credsShards > 1 {
				spread++
			}
			t.Logf("%d requests (%d shards), %d credentials (%d shards)", r.seqHTTP.Totals.Requests, r.httpShards, len(r.seqCreds), r.credsShards)
		})
	}
	if spread == 0 {
		t.Error("no capture had requests or credentials in more than one shard: the merge was not exercised")
	}
}

var routes = []struct {
	name string
	fn   func(*flows.Packet, int) int
}{{"pair", byPair}, {"flow", byFlow}}

// TestMergeShardsCapped: with caps no shard reaches on its own but the
// whole capture exceeds (MaxRequests 2; MaxNames and MaxCredentials the
// largest table of any shard), the merge leaves out what the single pass
// left out and counts it the same way.
func TestMergeShardsCapped(t *testing.T) {
	httpCapped, credsCapped := 0, 0
	paths := mergeCaptures(t)
	for _, route := range routes {
		for _, path := range paths {
			t.Run(route.name+"/"+filepath.Base(path), func(t *testing.T) {
				free := runSharded(t, path, 3, route.fn, caps{})
				c := caps{http: httpx.Config{MaxRequests: 2, MaxNames: max(free.maxTable, 1)}, creds: creds.Config{MaxCredentials: max(free.maxCreds, 1)}}
				r := runSharded(t, path, 3, route.fn, c)
				compare(t, r)
				if r.httpShards > 1 && r.seqHTTP.RequestsLeftOut > 0 && r.seqHTTP.Dropped.Names > 0 {
					httpCapped++
				}
				if r.credsShards > 1 && r.seqDropped > 0 {
					credsCapped++
				}
			})
		}
	}
	if httpCapped == 0 || credsCapped == 0 {
		t.Errorf("captures that hit the caps with work in several shards: %d (http), %d (creds); want some of each", httpCapped, credsCapped)
	}
}

// TestMergeShardsOverflow: when shards fill their own tables (MaxNames 2,
// MaxCredentials 1), what Merge keeps exact still is: the requests listed
// and left out, the totals, which names, status codes and servers are
// kept, the sum of their counts and Dropped.Names, and (split by address
// pair, which keeps each credential in one shard) the credentials.
func TestMergeShardsOverflow(t *testing.T) {
	c := caps{http: httpx.Config{MaxRequests: 2, MaxNames: 2}, creds: creds.Config{MaxCredentials: 1}}
	paths := mergeCaptures(t)
	for _, route := range routes {
		for _, path := range paths {
			t.Run(route.name+"/"+filepath.Base(path), func(t *testing.T) {
				r := runSharded(t, path, 3, route.fn, c)
				want, got := exactPart(r.seqHTTP), exactPart(r.mergedHTTP)
				if d := gocmp.Diff(want, got, cmpAddrs...); d != "" {
					t.Errorf("http (-sequential +merged):\n%s", d)
				}
				if route.name == "pair" {
					compareCreds(t, r)
					return
				}
				var seqIDs, mergedIDs []string
				for _, f := range r.seqCreds {
					seqIDs = append(seqIDs, credID(f))
				}
				for _, f := range r.mergedCreds {
					mergedIDs = append(mergedIDs, credID(f))
				}
				if d := gocmp.Diff(seqIDs, mergedIDs); d != "" {
					t.Errorf("credentials kept (-sequential +merged):\n%s", d)
				}
			})
		}
	}
}

// exact is what Merge reproduces even when shards overflowed.
type exact struct {
	Requests                                  []httpx.Request
	LeftOut, Reqs, Resps, Conns, Unans, Orphs uint64
	Methods, Hosts                            []string
	Statuses                                  []int
	Servers                                   []netip.AddrPort
	Occurrences                               uint64 // name, host and server sightings, kept or dropped
}

func exactPart(r *httpx.Report) exact {
	e := exact{Requests: r.Requests, LeftOut: r.RequestsLeftOut, Reqs: r.Totals.Requests, Resps: r.Totals.Responses,
		Conns: r.Totals.Connections, Unans: r.Totals.Unanswered, Orphs: r.Totals.Orphans, Occurrences: r.Dropped.Names}
	for _, m := range r.Totals.Methods {
		e.Methods = append(e.Methods, m.Name)
		e.Occurrences += m.Count
	}
	for _, h := range r.Totals.Hosts {
		e.Hosts = append(e.Hosts, h.Name)
		e.Occurrences += h.Count
	}
	for _, s := range r.Totals.StatusCodes {
		e.Statuses = append(e.Statuses, s.Status)
	}
	for _, s := range r.Servers {
		e.Servers = append(e.Servers, s.Addr)
		e.Occurrences += s.Requests + s.Responses
	}
	slices.Sort(e.Methods)
	slices.Sort(e.Hosts)
	slices.SortFunc(e.Servers, netip.AddrPort.Compare)
	return e
}

// TestMergeFlowShards: split by flow rather than by address pair, the
// attempts of one login land in different shards, and Merge combines each
// credential (first and last sightings, frames, flows, verdict) as the
// single pass built it.
func TestMergeFlowShards(t *testing.T) {
	split := 0
	for _, path := range mergeCaptures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			r := runSharded(t, path, 3, byFlow, caps{creds: creds.Config{RevealSecrets: true}})
			compare(t, r)
			split += r.credsSplit
			if r.credsSplit > 0 {
				t.Logf("%d credentials seen by more than one shard", r.credsSplit)
			}
		})
	}
	if split == 0 {
		t.Error("no credential was seen by more than one shard: the credential merge was not exercised")
	}
}
