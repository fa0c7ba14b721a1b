package tlsx

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// maxQUICInitials bounds the Initial packets decrypted per QUIC flow.
const maxQUICInitials = 64

// maxCertCache bounds the parsed certificates shared between sessions.
const maxCertCache = 4096

// Analyzer follows TLS and QUIC handshakes during a pass. Create it with
// [New], feed every packet to [Analyzer.Observe] in capture order and call
// [Analyzer.Finish] once.
type Analyzer struct {
	cfg      Config
	tcp      map[*flows.Flow]*tcpFlow
	udp      map[*flows.Flow]*quicFlow
	sessions []*sess
	certs    map[[32]byte]Certificate
	res      Result
	lim      Limits
	buffered int // bytes held by all reassembly buffers
	idle     time.Duration
	swept    time.Time // capture time of the last idle sweep
	end      time.Time // latest capture time of a TCP/UDP packet seen
}

// sess is the state of one handshake.
type sess struct {
	flow      *flows.Flow
	frame     uint64 // the frame that created it: Result.Sessions order
	quic      bool
	clientDir flows.Dir
	kept      bool
	ch, sh    *hello
	chFrame   uint64
	shFrame   uint64
	chTime    time.Time
	shTime    time.Time
	hrr       bool
	certs     [2][]Certificate // by sender: 0 client, 1 server
	certFrame [2]uint64
	certTime  time.Time
	alerts    []Alert
	ccs, app  [2]bool // by sender
	fatal     bool
}

type tcpFlow struct {
	dirs [2]tcpDir
	s    *sess
	last time.Time // latest capture time of the flow's packets
	done bool
	idle bool // abandoned after IdleTimeout (counted when forgotten or at Finish)
}

type tcpDir struct {
	st   flows.Stream
	off  int    // stream offset of the next record
	hs   []byte // plaintext handshake bytes not yet consumed
	enc  bool   // a ChangeCipherSpec was sent: later handshake records are encrypted
	stop bool
}

type quicFlow struct {
	version  uint32
	dcid     []byte       // the client's DCID the keys derive from
	keys     [2]*quicKeys // by direction of the flow
	cs       [2]flows.Stream
	off      [2]int
	s        *sess
	last     time.Time // latest capture time of the flow's packets
	initials int
	done     bool
	idle     bool // abandoned after IdleTimeout (counted at Finish)
}

// New returns an Analyzer with cfg's caps.
func New(cfg Config) *Analyzer {
	a := &Analyzer{
		cfg:   cfg,
		tcp:   map[*flows.Flow]*tcpFlow{},
		udp:   map[*flows.Flow]*quicFlow{},
		certs: map[[32]byte]Certificate{},
	}
	a.lim = Limits{MaxSessions: cfg.maxSessions(), MaxFlows: cfg.maxFlows(), MaxStreamBytes: cfg.MaxStreamBytes}
	if a.lim.MaxStreamBytes <= 0 {
		a.lim.MaxStreamBytes = flows.DefaultStreamMax
	}
	a.idle = cfg.IdleTimeout
	if a.idle <= 0 {
		a.idle = 2 * time.Minute
	}
	a.lim.MaxBufferedBytes = cfg.MaxBufferedBytes
	if a.lim.MaxBufferedBytes <= 0 {
		a.lim.MaxBufferedBytes = 64 << 20
	}
	return a
}

// Observe reads one packet. Packets of flows that carry no handshake cost
// a map lookup at most and allocate nothing.
func (a *Analyzer) Observe(p *flows.Packet) {
	if p.Flow == nil || !p.L4 {
		return
	}
	if p.Time.After(a.end) {
		a.end = p.Time
	}
	if p.Time.Sub(a.swept) > a.idle {
		a.expire(p.Time)
	}
	switch p.Proto {
	case flows.TCP:
		a.observeTCP(p)
	case flows.UDP:
		if looksQUICInitial(p.Payload) {
			a.observeQUIC(p)
		} else if len(a.udp) > 0 {
			if q := a.udp[p.Flow]; q != nil {
				a.idleQUIC(q, p.Time) // any packet keeps a QUIC flow alive
			}
		}
	}
}

// Idle handshakes. A handshake is abandoned when its flow sees no packet
// for longer than the idle timeout: a property of the flow alone, so that
// the result does not depend on the other flows the Analyzer sees (see
// [Analyzer.Merge]). A packet arriving after such a gap finds its flow
// abandoned (idleTCP, idleQUIC); so does Finish for a flow idle at the
// end of the capture. Between the two, expire gives the buffers of idle
// flows back early: every sweep, at a packet's capture time, abandons
// only flows that the flow's own next packet (if any, and if capture time
// does not run backwards) or Finish would find abandoned anyway. Each
// abandoned flow is counted once in Limits.IdleExpired, when its state is
// forgotten or at Finish, never by a sweep.

// expire abandons the handshakes of flows idle for longer than the idle
// timeout at capture time now.
func (a *Analyzer) expire(now time.Time) {
	if a.swept.IsZero() {
		a.swept = now
		return
	}
	a.swept = now
	for _, t := range a.tcp {
		if !t.done && now.Sub(t.last) > a.idle {
			a.abandonTCP(t)
		}
	}
	for _, q := range a.udp {
		if !q.done && now.Sub(q.last) > a.idle {
			q.idle = true
			a.quicDone(q)
		}
	}
}

// idleTCP abandons t when the packet at capture time now ends an idle
// gap, and keeps the flow's latest packet time (a packet stamped earlier
// than one before it, as in damaged captures, moves nothing back).
func (a *Analyzer) idleTCP(t *tcpFlow, now time.Time) {
	if !t.done && now.Sub(t.last) > a.idle {
		a.abandonTCP(t)
	}
	if now.After(t.last) {
		t.last = now
	}
}

func (a *Analyzer) abandonTCP(t *tcpFlow) {
	t.idle = true
	t.dirs[0].stop, t.dirs[1].stop = true, true
	a.checkDone(t)
}

// idleQUIC is idleTCP for a QUIC flow.
func (a *Analyzer) idleQUIC(q *quicFlow, now time.Time) {
	if !q.done && now.Sub(q.last) > a.idle {
		q.idle = true
		a.quicDone(q)
	}
	if now.After(q.last) {
		q.last = now
	}
}

// forgetTCP drops f's state, counting an idle abandonment.
func (a *Analyzer) forgetTCP(f *flows.Flow, t *tcpFlow) {
	if t.idle {
		a.lim.IdleExpired++
	}
	delete(a.tcp, f)
}

// idleAtEnd counts the flows abandoned for idleness that are still held,
// and the unfinished ones idle at the end of the capture.
func (a *Analyzer) idleAtEnd() int {
	n := 0
	for _, t := range a.tcp {
		if t.idle || !t.done && a.end.Sub(t.last) > a.idle {
			n++
		}
	}
	for _, q := range a.udp {
		if q.idle || !q.done && a.end.Sub(q.last) > a.idle {
			n++
		}
	}
	return n
}

// startsTLS reports whether the first bytes of a stream can be a TLS
// record: the test records applies at stream offset 0.
func startsTLS(b []byte) bool {
	return looksTLSRecord(b) && (len(b) < 5 || int(binary.BigEndian.Uint16(b[3:5])) <= 18432)
}

// looksTLSRecord is the cheap check on the first bytes of a stream: a
// record header with a known content type and major version 3.
func looksTLSRecord(b []byte) bool {
	return len(b) >= 3 && b[0] >= 20 && b[0] <= 24 && b[1] == 3 && b[2] <= 4
}

// startTCP decides whether a packet of a TCP flow without state starts
// following it. On a flow the table tracks, state is made at the first data,
// not at the SYN: most TCP flows are not TLS and their first bytes say so,
// and the flow's initial sequence numbers place the streams as if the SYNs
// had been seen.
func (a *Analyzer) startTCP(p *flows.Packet, isn [2]uint32, syn [2]bool) bool {
	f := p.Flow
	handshake := len(p.Payload) > 0 && p.Payload[0] == 22 && looksTLSRecord(p.Payload)
	if f.TCPStats == nil {
		// Not tracked by a flow table (a Flow built by hand): start at the
		// SYN; mid-stream, only at a handshake record.
		return p.Flags.Has(flows.SYN) || handshake
	}
	if len(p.Payload) == 0 {
		return false
	}
	if syn[p.Dir] && p.Seq == isn[p.Dir]+1 && p.FirstPayload {
		// The first bytes of the stream, in order: what records decides
		// once they are buffered, decided now.
		if !startsTLS(p.Payload) {
			p.Done()
			return false
		}
		return true
	}
	if (syn[0] || syn[1]) && p.FirstPayload {
		// The first data of a direction, but not at its start (reordered,
		// or its SYN was not captured): buffer it, as the SYN-made state
		// would have.
		return true
	}
	// Mid-stream (no SYN seen, or the flow was followed and forgotten):
	// only a handshake record starts a flow.
	return handshake
}

func (a *Analyzer) observeTCP(p *flows.Packet) {
	f := p.Flow
	t := a.tcp[f]
	if t == nil {
		var isn [2]uint32
		var syn [2]bool
		isn[0], syn[0] = f.ISN(flows.FromInitiator)
		isn[1], syn[1] = f.ISN(flows.FromResponder)
		if !a.startTCP(p, isn, syn) {
			return
		}
		if len(a.tcp) >= a.lim.MaxFlows && !a.sweepTCP() {
			a.lim.FlowsDropped++
			return
		}
		t = &tcpFlow{last: p.Time}
		t.dirs[0].st.Max = a.lim.MaxStreamBytes
		t.dirs[1].st.Max = a.lim.MaxStreamBytes
		// The streams start where their SYNs put them, as if the state had
		// seen them.
		for d := range t.dirs {
			if syn[d] {
				t.dirs[d].st.Segment(isn[d], true, nil)
			}
		}
		a.tcp[f] = t
	}
	a.idleTCP(t, p.Time)
	if t.done {
		a.forgetTCP(f, t)
		p.Done()
		return
	}
	if t.s == nil && p.Flags&(flows.RST|flows.FIN) != 0 && len(p.Payload) == 0 {
		// Ended before any handshake: forget it, so scans do not fill the table.
		a.forgetTCP(f, t)
		return
	}
	d := &t.dirs[p.Dir]
	if d.stop {
		return
	}
	if a.buffered+len(p.Payload) > a.lim.MaxBufferedBytes {
		a.lim.BufferFull++
		a.buffered -= d.st.Held()
		d.st.Release()
		d.hs = nil
		d.stop = true
		a.checkDone(t)
		return
	}
	before, held := d.st.Len(), d.st.Held()
	d.st.Segment(p.Seq, p.Flags.Has(flows.SYN), p.Payload)
	a.buffered += d.st.Held() - held
	if d.st.Len() == before {
		return
	}
	a.records(t, p)
	a.checkDone(t)
	if t.done {
		// Nothing later in the flow is read (no renegotiation, no
		// alerts after the handshake): let the engine skip it.
		a.forgetTCP(f, t)
		p.Done()
	}
}

// sweepTCP makes room in a full TCP table: it forgets flows whose
// handshake is over and flows that carried no data yet. It reports whether
// room was made.
func (a *Analyzer) sweepTCP() bool {
	for f, t := range a.tcp {
		if t.done || t.s == nil && t.dirs[0].st.Len() == 0 && t.dirs[1].st.Len() == 0 && t.dirs[0].st.Pending() == 0 && t.dirs[1].st.Pending() == 0 {
			a.forgetTCP(f, t)
		}
	}
	a.lim.Sweeps++
	return len(a.tcp) < a.lim.MaxFlows
}

// sweepQUIC forgets QUIC flows whose Initial exchange is over.
func (a *Analyzer) sweepQUIC() bool {
	for f, q := range a.udp {
		if q.done {
			if q.idle {
				a.lim.IdleExpired++
			}
			delete(a.udp, f)
		}
	}
	a.lim.Sweeps++
	return len(a.udp) < a.lim.MaxFlows
}

func (a *Analyzer) checkDone(t *tcpFlow) {
	s := t.s
	both := t.dirs[0].stop && t.dirs[1].stop
	if s != nil && s.completed() || s != nil && s.fatal || both {
		t.done = true
		for i := range t.dirs {
			a.buffered -= t.dirs[i].st.Held()
			t.dirs[i].st.Release()
			t.dirs[i].hs = nil
		}
	}
}

// completed reports whether the handshake finished (see Session.Completed).
func (s *sess) completed() bool {
	if s.quic || s.sh == nil {
		return false
	}
	if isTLS13(s.sh.chosenVersion()) {
		return s.app[0] && s.app[1]
	}
	return s.ccs[0] && s.ccs[1]
}

// isTLS13 reports whether a negotiated version is TLS 1.3 or one of its
// drafts (0x7fxx).
func isTLS13(v uint16) bool { return v == 0x0304 || v>>8 == 0x7f }

// records parses the complete records now available in p's direction.
func (a *Analyzer) records(t *tcpFlow, p *flows.Packet) {
	dir := p.Dir
	d := &t.dirs[dir]
	buf := d.st.Bytes()
	for !d.stop {
		rest := buf[d.off:]
		if len(rest) < 5 {
			if d.off == 0 && len(rest) > 0 && !looksTLSRecord(rest) {
				a.notTLS(t, d)
			}
			break
		}
		typ, ln := rest[0], int(binary.BigEndian.Uint16(rest[3:5]))
		if !looksTLSRecord(rest) || ln > 18432 {
			if t.s == nil {
				a.notTLS(t, d)
			}
			d.stop = true
			break
		}
		if len(rest) < 5+ln {
			if d.st.Full() {
				a.lim.StreamTruncated++
				d.stop = true
			}
			break
		}
		body := rest[5 : 5+ln]
		d.off += 5 + ln
		sender := senderIdx(t.s, dir)
		switch typ {
		case 22:
			if d.enc {
				continue
			}
			d.hs = append(d.hs, body...)
			a.tcpMessages(t, d, p)
		case 20:
			// TLS 1.3 middlebox-compatibility CCS (RFC 8446 D.4) changes
			// nothing: a ClientHello after a HelloRetryRequest, and the
			// ServerHello after it, are still plaintext.
			if s := t.s; s == nil || s.sh == nil || !s.sh.hrr && !isTLS13(s.sh.chosenVersion()) {
				d.enc = true
			}
			if t.s != nil {
				t.s.ccs[sender] = true
			}
		case 21:
			if t.s == nil {
				break
			}
			al := Alert{Frame: p.Frame, From: [2]string{"client", "server"}[sender]}
			if !d.enc && len(body) == 2 {
				switch body[0] {
				case 1:
					al.Level = "warning"
				case 2:
					al.Level = "fatal"
				default:
					al.Level = fmt.Sprintf("level_%d", body[0])
				}
				al.Description = alertName(body[1])
				t.s.fatal = t.s.fatal || body[0] == 2
			} else {
				al.Level = "encrypted"
			}
			if len(t.s.alerts) < 16 {
				t.s.alerts = append(t.s.alerts, al)
			}
		case 23:
			if t.s != nil {
				t.s.app[sender] = true
			}
			d.enc = true
		}
	}
	if d.st.Full() && !d.stop {
		d.stop = true
	}
	if d.stop {
		a.buffered -= d.st.Held()
		d.st.Release()
		d.hs = nil
	}
}

// notTLS gives up on a flow whose stream does not start with a record.
func (a *Analyzer) notTLS(t *tcpFlow, d *tcpDir) {
	d.stop = true
	if t.s == nil {
		t.dirs[0].stop, t.dirs[1].stop = true, true
	}
}

// senderIdx is 0 for the client, 1 for the server.
func senderIdx(s *sess, dir flows.Dir) int {
	if s == nil {
		return int(dir)
	}
	if dir == s.clientDir {
		return 0
	}
	return 1
}

func (a *Analyzer) tcpMessages(t *tcpFlow, d *tcpDir, p *flows.Packet) {
	for len(d.hs) >= 4 {
		ln := int(d.hs[1])<<16 | int(d.hs[2])<<8 | int(d.hs[3])
		if len(d.hs) < 4+ln {
			return
		}
		a.message(&t.s, p, false, d.hs[0], d.hs[4:4+ln])
		d.hs = d.hs[4+ln:]
	}
	if len(d.hs) == 0 {
		d.hs = d.hs[:0]
	}
}

// message handles one handshake message sent in p's direction.
func (a *Analyzer) message(sp **sess, p *flows.Packet, quic bool, typ uint8, body []byte) {
	switch typ {
	case typeClientHello:
		a.res.ClientHellos++
		h, err := parseHello(body, true)
		if err != nil {
			a.lim.ParseErrors++
			return
		}
		s := a.session(sp, p, quic, p.Dir)
		if s.ch == nil {
			s.ch, s.chFrame, s.chTime = h, p.Frame, p.Time
		}
	case typeServerHello:
		a.res.ServerHellos++
		h, err := parseHello(body, false)
		if err != nil {
			a.lim.ParseErrors++
			return
		}
		cd := flows.FromInitiator
		if p.Dir == flows.FromInitiator {
			cd = flows.FromResponder
		}
		s := a.session(sp, p, quic, cd)
		if h.hrr {
			s.hrr = true
		}
		if s.sh == nil || s.sh.hrr {
			s.sh, s.shFrame, s.shTime = h, p.Frame, p.Time
		}
	case typeCertificate:
		a.res.CertificateMessages++
		s := *sp
		if s == nil {
			return
		}
		if s.sh != nil && isTLS13(s.sh.chosenVersion()) {
			return // TLS 1.3 certificates travel encrypted; a plaintext one is odd
		}
		ders, err := parseCertificateMsg(body)
		if err != nil {
			a.lim.ParseErrors++
		}
		snd := senderIdx(s, p.Dir)
		certs := make([]Certificate, 0, len(ders))
		for i, der := range ders {
			certs = append(certs, a.cert(i, der))
		}
		if s.certs[snd] == nil {
			s.certs[snd], s.certFrame[snd] = certs, p.Frame
			if snd == 1 {
				s.certTime = p.Time
			}
		}
	}
}

func (a *Analyzer) cert(pos int, der []byte) Certificate {
	k := sha256.Sum256(der)
	c, ok := a.certs[k]
	if !ok {
		c = newCertificate(0, der)
		if len(a.certs) < maxCertCache {
			a.certs[k] = c
		}
	}
	c.Position = pos
	return c
}

// session returns the flow's session, creating it with the client on
// side clientDir.
func (a *Analyzer) session(sp **sess, p *flows.Packet, quic bool, clientDir flows.Dir) *sess {
	if *sp != nil {
		return *sp
	}
	s := &sess{flow: p.Flow, frame: p.Frame, quic: quic, clientDir: clientDir}
	if len(a.sessions) < a.lim.MaxSessions {
		s.kept = true
		a.sessions = append(a.sessions, s)
	} else {
		a.res.SessionsDropped++
	}
	if quic {
		p.Flow.App = "quic"
	} else {
		p.Flow.App = "tls"
	}
	*sp = s
	return s
}

func (a *Analyzer) observeQUIC(p *flows.Packet) {
	f := p.Flow
	q := a.udp[f]
	if q == nil {
		if len(a.udp) >= a.lim.MaxFlows && !a.sweepQUIC() {
			a.lim.FlowsDropped++
			return
		}
		q = &quicFlow{last: p.Time}
		q.cs[0].Max, q.cs[1].Max = a.lim.MaxStreamBytes, a.lim.MaxStreamBytes
		a.udp[f] = q
	}
	a.idleQUIC(q, p.Time)
	if q.done {
		return
	}
	if q.initials++; q.initials > maxQUICInitials {
		a.quicDone(q)
		return
	}
	b := p.Payload
	for len(b) > 0 {
		pk, rest, err := nextQUICPacket(b)
		if err != nil || pk.pkt == nil {
			break
		}
		b = rest
		if !pk.initial {
			continue
		}
		a.quicInitial(q, pk, p)
		if q.done {
			return
		}
	}
}

func (a *Analyzer) quicInitial(q *quicFlow, pk quicPacket, p *flows.Packet) {
	dir := p.Dir
	client := dir == flows.FromInitiator
	var pt []byte
	err := errQUIC
	if k := q.keys[dir]; k != nil && pk.version == q.version {
		pt, err = k.open(pk)
	}
	if err != nil && client {
		// The first Initial, or a new Destination Connection ID after a
		// Retry: keys from this packet's DCID, adopted if they work.
		c, s, kerr := initialKeys(pk.version, pk.dcid)
		if kerr != nil {
			return
		}
		if pt, err = c.open(pk); err == nil {
			q.version, q.dcid = pk.version, append([]byte(nil), pk.dcid...)
			q.keys[flows.FromInitiator], q.keys[flows.FromResponder] = c, s
		}
	}
	if err != nil {
		return
	}
	st := &q.cs[dir]
	held := st.Held()
	_ = cryptoFrames(pt, func(off uint64, data []byte) { st.Write(off, data) })
	a.buffered += st.Held() - held
	buf := st.Bytes()
	for {
		rest := buf[q.off[dir]:]
		if len(rest) < 4 {
			break
		}
		ln := int(rest[1])<<16 | int(rest[2])<<8 | int(rest[3])
		if len(rest) < 4+ln {
			break
		}
		a.message(&q.s, p, true, rest[0], rest[4:4+ln])
		q.off[dir] += 4 + ln
	}
	if q.s != nil && q.s.ch != nil && q.s.sh != nil && !q.s.sh.hrr {
		a.quicDone(q)
	}
}

func (a *Analyzer) quicDone(q *quicFlow) {
	q.done = true
	a.buffered -= q.cs[0].Held() + q.cs[1].Held()
	q.cs[0].Release()
	q.cs[1].Release()
	q.keys = [2]*quicKeys{}
}

// Merge folds b into a, for a pass split across several Analyzers by flow
// (shards). a and b must have been built with the same Config and have
// seen disjoint sets of flows, each flow's packets all given to one of
// them in frame order. Merging the shards one after the other into the
// first, a.Finish then returns what one Analyzer fed every packet in frame
// order returns, provided that no cap shared by the flows was reached
// (MaxFlows, MaxBufferedBytes: a shard meets them at other moments than
// one Analyzer; MaxSessions is applied again here and stays exact) and
// that capture time does not run backwards from a packet to a later
// packet of another flow across the idle deadline of an open handshake
// (the early release of idle handshakes is timed by the packets of other
// flows). Flow IDs may be renumbered between the pass and Finish: tlsx
// reads them at Finish. b must not be used afterwards.
func (a *Analyzer) Merge(b *Analyzer) {
	for f, t := range b.tcp {
		a.tcp[f] = t
	}
	for f, q := range b.udp {
		a.udp[f] = q
	}
	for k, c := range b.certs {
		if len(a.certs) >= maxCertCache {
			break
		}
		a.certs[k] = c
	}
	// Sessions in creation order: by the frame that created them (a frame
	// belongs to one flow, so to one shard; a tie keeps a's first).
	all := make([]*sess, 0, len(a.sessions)+len(b.sessions))
	i, j := 0, 0
	for i < len(a.sessions) && j < len(b.sessions) {
		if b.sessions[j].frame < a.sessions[i].frame {
			all = append(all, b.sessions[j])
			j++
		} else {
			all = append(all, a.sessions[i])
			i++
		}
	}
	all = append(all, a.sessions[i:]...)
	all = append(all, b.sessions[j:]...)
	// A shard keeps its first MaxSessions sessions, so the first
	// MaxSessions of all are among the kept ones.
	if n := len(all) - a.lim.MaxSessions; n > 0 {
		for _, s := range all[a.lim.MaxSessions:] {
			s.kept = false
		}
		all = all[:a.lim.MaxSessions]
		a.res.SessionsDropped += n
	}
	a.sessions = all

	a.res.ClientHellos += b.res.ClientHellos
	a.res.ServerHellos += b.res.ServerHellos
	a.res.CertificateMessages += b.res.CertificateMessages
	a.res.SessionsDropped += b.res.SessionsDropped
	a.lim.FlowsDropped += b.lim.FlowsDropped
	a.lim.Sweeps += b.lim.Sweeps
	a.lim.StreamTruncated += b.lim.StreamTruncated
	a.lim.BufferFull += b.lim.BufferFull
	a.lim.IdleExpired += b.lim.IdleExpired
	a.lim.ParseErrors += b.lim.ParseErrors
	a.buffered += b.buffered
	if b.end.After(a.end) {
		a.end = b.end
	}
	if b.swept.After(a.swept) {
		a.swept = b.swept
	}
}

// Finish returns the result and the findings. Call it once, after the
// last packet.
func (a *Analyzer) Finish() (*Result, []attack.Finding) {
	r := &a.res
	r.Sessions = make([]Session, 0, len(a.sessions))
	r.Chains = []Chain{}
	chainIdx := map[string]int{}
	for i, s := range a.sessions {
		ss := a.build(i, s)
		if len(ss.Certificates) > 0 {
			id := chainID(ss.Certificates)
			ss.ChainID = id
			ci, ok := chainIdx[id]
			if !ok {
				ci = len(r.Chains)
				chainIdx[id] = ci
				r.Chains = append(r.Chains, Chain{ID: id, Certificates: ss.Certificates, Issues: []Issue{}})
			}
			c := &r.Chains[ci]
			c.Sessions = append(c.Sessions, SessionRef{Index: i, FlowID: ss.FlowID, Client: ss.Client, Server: ss.Server, SNI: ss.SNI, Time: ss.Start})
			for _, is := range ss.Issues {
				if !hasIssue(c.Issues, is) {
					c.Issues = append(c.Issues, is)
				}
			}
		}
		r.Sessions = append(r.Sessions, ss)
	}
	r.Limits = a.lim
	r.Limits.IdleExpired += a.idleAtEnd()
	return r, a.findings(r)
}

func hasIssue(list []Issue, is Issue) bool {
	for _, x := range list {
		if x.Kind == is.Kind && x.Position == is.Position && (x.Kind != "hostname_mismatch" || x.Detail == is.Detail) {
			return true
		}
	}
	return false
}

func chainID(certs []Certificate) string {
	h := sha256.New()
	for _, c := range certs {
		h.Write([]byte(c.SHA256))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// build turns a session's state into its result value.
func (a *Analyzer) build(i int, s *sess) Session {
	f := s.flow
	out := Session{
		Index: i, FlowID: f.ID, Transport: "tcp",
		Client: f.Src, Server: f.Dst,
		ALPN: []string{}, OfferedVersions: []string{}, OfferedCiphers: []string{},
		Groups: []string{}, KeyShareGroups: []string{}, ClientExtensions: []uint16{}, ServerExtensions: []uint16{},
		Alerts: s.alerts, Certificates: []Certificate{}, ClientCertificates: []Certificate{}, Issues: []Issue{},
		HelloRetry: s.hrr, Completed: s.completed(),
	}
	if s.quic {
		out.Transport = "quic"
	}
	if s.clientDir == flows.FromResponder {
		out.Client, out.Server = f.Dst, f.Src
	}
	if out.Alerts == nil {
		out.Alerts = []Alert{}
	}
	out.Start = s.chTime
	if h := s.ch; h != nil {
		out.ClientHelloFrame = s.chFrame
		out.SNI = h.sni
		out.ALPN = append(out.ALPN, h.alpn...)
		if len(h.versions) > 0 {
			for _, v := range h.versions {
				if !isGREASE(v) {
					out.OfferedVersions = append(out.OfferedVersions, versionName(v))
				}
			}
		} else {
			out.OfferedVersions = append(out.OfferedVersions, versionName(h.version))
		}
		for _, c := range h.ciphers {
			if !isGREASE(c) {
				out.OfferedCiphers = append(out.OfferedCiphers, cipherName(c))
			}
		}
		for _, g := range h.groups {
			if !isGREASE(g) {
				out.Groups = append(out.Groups, groupName(g))
			}
		}
		for _, g := range h.keyShares {
			if !isGREASE(g) {
				out.KeyShareGroups = append(out.KeyShareGroups, groupName(g))
			}
		}
		out.ClientExtensions = append(out.ClientExtensions, h.exts...)
		out.ResumptionOffered = len(h.sessionID) > 0 && !s.quic && h.maxVersion() < 0x0304 || h.ticket || h.psk
		out.JA3String = ja3String(h)
		out.JA3 = md5hex(out.JA3String)
		out.JA4 = ja4(h, s.quic)
	}
	out.CertificateStatus = "unknown"
	if h := s.sh; h != nil {
		if s.ch == nil {
			out.Start = s.shTime
		}
		out.ServerHelloFrame = s.shFrame
		v := h.chosenVersion()
		out.Version = versionName(v)
		out.VersionCode = fmt.Sprintf("0x%04x", v)
		out.Cipher = cipherName(h.ciphers[0])
		if len(h.keyShares) == 1 {
			out.KeyShareChosen = groupName(h.keyShares[0])
		}
		if len(h.alpn) == 1 {
			out.ALPNChosen = h.alpn[0]
		}
		out.ServerExtensions = append(out.ServerExtensions, h.exts...)
		if isTLS13(v) || s.quic {
			out.Resumed = h.psk
		} else if s.ch != nil {
			out.Resumed = len(h.sessionID) > 0 && string(h.sessionID) == string(s.ch.sessionID) && s.certs[1] == nil
		}
		out.JA3SString = ja3sString(h)
		out.JA3S = md5hex(out.JA3SString)
		if s.ch != nil {
			out.HandshakeRTTms = attack.Round(float64(s.shTime.Sub(s.chTime)) / float64(time.Millisecond))
		}
		switch {
		case isTLS13(v) || s.quic:
			out.CertificateStatus = "not_observable"
		case s.certs[1] != nil:
			out.CertificateStatus = "observed"
		default:
			out.CertificateStatus = "absent"
		}
	}
	if s.certs[1] != nil {
		out.CertificateStatus = "observed"
		out.Certificates = s.certs[1]
		at := s.certTime
		out.Issues = checkChain(s.certs[1], at, out.SNI)
		if out.Issues == nil {
			out.Issues = []Issue{}
		}
	}
	if s.certs[0] != nil {
		out.ClientCertificates = s.certs[0]
	}
	return out
}
