package creds

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/httpx"
	"github.com/pcapai/pcapai/internal/tcpstream"
)

// Config sets the detector's caps. The zero value is ready to use.
type Config struct {
	// RevealSecrets puts secrets in findings unmasked; by default only
	// their first and last character and length are shown (see [Mask]).
	RevealSecrets bool
	// MaxCredentials caps the distinct credentials reported. Zero means 1000.
	MaxCredentials int
	// MaxConns caps the login conversations (FTP, Telnet, POP3, IMAP,
	// SMTP) followed at once. Zero means 10000.
	MaxConns int
	// MaxScanBytes is how many bytes of each direction of a login
	// conversation are read: logins happen at the start, and a mail body
	// or a long telnet session is not re-scanned. Zero means 64 KiB.
	MaxScanBytes int
}

// Credential is one user name and secret seen in cleartext.
type Credential struct {
	Service string // "ftp", "telnet", "http-basic", "http-digest", "http-form", "pop3", "imap", "smtp", "snmp", "sip-digest"
	User    string
	Secret  string // empty when only the user name is exposed (digest)
	Outcome string // "accepted", "rejected" or ""
}

type credKey struct {
	service, user, secret string
	client                netip.Addr
	server                netip.AddrPort
}

type cred struct {
	Credential
	flow      attack.FlowRef
	fl        *flows.Flow
	multi     bool             // seen on more than one flow (e.g. a new source port per attempt)
	refs      []attack.FlowRef // at most maxRefs
	refFrames []uint64         // frame where each of refs was first seen
	frames    []uint64         // the first attack.DefaultMaxFrames frames added, in order
	nFrames   int              // frames added
	adds      uint64           // sightings (add calls), for Merge's cap
	first     time.Time
	last      time.Time
	// firstFrame and order (the detector's insertion count) give the
	// order of first sight; lastFrame and outcomeFrame say which sighting
	// set last and which verdict set Outcome.
	firstFrame, lastFrame, outcomeFrame uint64
	order                               int
}

const maxRefs = 16

func (c *cred) addFrame(n uint64) {
	c.nFrames++
	if len(c.frames) < attack.DefaultMaxFrames {
		c.frames = append(c.frames, n)
	}
}

// Detector finds cleartext credentials.
type Detector struct {
	cfg     Config
	creds   map[credKey]*cred
	conns   map[*flows.Flow]*conn
	live    int
	dropped uint64
}

// New returns a Detector.
func New(cfg Config) *Detector {
	if cfg.MaxCredentials <= 0 {
		cfg.MaxCredentials = 1000
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 10000
	}
	if cfg.MaxScanBytes <= 0 {
		cfg.MaxScanBytes = 64 << 10
	}
	return &Detector{cfg: cfg, creds: map[credKey]*cred{}, conns: map[*flows.Flow]*conn{}}
}

func (d *Detector) add(service string, p *flows.Packet, client netip.Addr, server netip.AddrPort, fl *flows.Flow, user, secret string) *cred {
	k := credKey{service, user, secret, client, server}
	c := d.creds[k]
	if c == nil {
		if len(d.creds) >= d.cfg.MaxCredentials {
			d.dropped++
			return nil
		}
		c = &cred{Credential: Credential{Service: service, User: user, Secret: secret}, first: p.Time, firstFrame: p.Frame, order: len(d.creds)}
		if fl != nil {
			c.flow = attack.FlowRef{Proto: fl.Proto.String(), Src: fl.Src, Dst: fl.Dst}
			c.refs = append(c.refs, c.flow)
			c.refFrames = append(c.refFrames, p.Frame)
		}
		c.fl = fl
		d.creds[k] = c
	} else if fl != c.fl && fl != nil {
		c.multi = true
		r := attack.FlowRef{Proto: fl.Proto.String(), Src: fl.Src, Dst: fl.Dst}
		if len(c.refs) < maxRefs && !slices.Contains(c.refs, r) {
			c.refs = append(c.refs, r)
			c.refFrames = append(c.refFrames, p.Frame)
		}
	}
	c.adds++
	c.addFrame(p.Frame)
	c.last, c.lastFrame = p.Time, p.Frame
	return c
}

// ObserveHTTP takes one HTTP request (the httpx.Config.OnRequest hook).
func (d *Detector) ObserveHTTP(ev *httpx.Event) {
	p := &flows.Packet{Frame: ev.Frame, Time: ev.Time}
	if a := ev.Authorization; len(a) > 0 {
		if u, pw, ok := ParseBasic(a); ok {
			d.add("http-basic", p, ev.Client.Addr(), ev.Server, ev.Flow, u, pw)
		} else if u, ok := ParseDigestUser(a); ok {
			d.add("http-digest", p, ev.Client.Addr(), ev.Server, ev.Flow, u, "")
		}
	}
	form := ev.Form
	if len(form) == 0 {
		if _, q, ok := bytes.Cut(ev.URI, []byte("?")); ok {
			form = q
		}
	}
	if len(form) > 0 {
		if u, pw, _, ok := ParseForm(form); ok {
			d.add("http-form", p, ev.Client.Addr(), ev.Server, ev.Flow, u, pw)
		}
	}
}

type service uint8

const (
	svcNone service = iota
	svcFTP
	svcTelnet
	svcPOP3
	svcIMAP
	svcSMTP
)

var svcNames = [...]string{"", "ftp", "telnet", "pop3", "imap", "smtp"}

func serviceOf(port uint16) service {
	switch port {
	case 21:
		return svcFTP
	case 23:
		return svcTelnet
	case 110:
		return svcPOP3
	case 143:
		return svcIMAP
	case 25, 587:
		return svcSMTP
	}
	return svcNone
}

type conn struct {
	svc    service
	half   [2]tcpstream.Half
	line   [2][]byte
	skip   [2]bool // discarding an overlong line
	iac    [2]uint8
	tail   []byte // last server bytes (telnet prompt)
	expect uint8  // telnet: 1 user, 2 password; SASL: 1 LOGIN user, 2 LOGIN pass, 3 PLAIN blob
	user   string
	last   *cred // awaiting the server's verdict
	fin    [2]bool
	read   [2]int // bytes scanned per direction
}

// ignore makes later packets of p's flow pass unread: the engine skips
// them, or outside the engine a nil entry marks the flow.
func (d *Detector) ignore(p *flows.Packet) {
	if p.Done() {
		delete(d.conns, p.Flow)
		return
	}
	d.conns[p.Flow] = nil
}

// Observe reads one packet: TCP to the login services' ports, SNMP over
// UDP and SIP requests with credentials. Other packets return after a
// port check, without allocating.
func (d *Detector) Observe(p *flows.Packet) {
	if p.Flow == nil || !p.L4 {
		return
	}
	switch p.Proto {
	case flows.UDP:
		if len(p.Payload) == 0 {
			return
		}
		if p.DstPort == 161 || p.DstPort == 162 {
			if v, comm, ok := ParseSNMPCommunity(p.Payload); ok {
				svc := "snmpv1"
				if v == 1 {
					svc = "snmpv2c"
				}
				d.add(svc, p, p.Src, p.DstAddrPort(), p.Flow, "", comm)
			}
			return
		}
		d.sip(p)
	case flows.TCP:
		svc := serviceOf(p.Flow.Dst.Port())
		if svc == svcNone {
			if len(p.Payload) > 0 && p.Payload[0] >= 'A' && p.Payload[0] <= 'Z' {
				d.sip(p)
			}
			return
		}
		c, seen := d.conns[p.Flow]
		if seen && c == nil {
			return // closed
		}
		if c == nil {
			if d.live >= d.cfg.MaxConns || p.Flags.Has(flows.RST) {
				return
			}
			c = &conn{svc: svc}
			d.conns[p.Flow] = c
			d.live++
		}
		data, gap := c.half[p.Dir].Accept(p)
		if gap > 0 {
			c.line[p.Dir] = c.line[p.Dir][:0]
		}
		if c.read[p.Dir] == 0 && len(data) > 0 && svc != svcTelnet && !looksText(data) {
			// FTP, POP3, IMAP and SMTP talk in text lines from the first
			// byte: a binary start is another protocol on the port.
			d.ignore(p)
			d.live--
			return
		}
		if c.read[p.Dir] >= d.cfg.MaxScanBytes {
			data = nil // past the login phase
		} else if c.read[p.Dir] += len(data); c.read[p.Dir] > d.cfg.MaxScanBytes {
			data = data[:len(data)-(c.read[p.Dir]-d.cfg.MaxScanBytes)]
		}
		for _, b := range data {
			if svc == svcTelnet && c.telnetByte(p.Dir, b) {
				continue
			}
			if p.Dir == flows.FromResponder && svc == svcTelnet {
				c.tail = append(c.tail, b)
				if len(c.tail) > 64 {
					c.tail = append(c.tail[:0], c.tail[len(c.tail)-32:]...)
				}
				c.prompt()
			}
			if b == '\n' || (svc == svcTelnet && b == '\r') {
				if !c.skip[p.Dir] {
					d.line(c, p, bytes.TrimRight(c.line[p.Dir], "\r\x00"))
				}
				c.line[p.Dir] = c.line[p.Dir][:0]
				c.skip[p.Dir] = false
				continue
			}
			if svc == svcTelnet && b == 0 {
				continue
			}
			if len(c.line[p.Dir]) >= 1024 {
				c.skip[p.Dir] = true
				continue
			}
			c.line[p.Dir] = append(c.line[p.Dir], b)
		}
		if p.Flags&(flows.FIN|flows.RST) != 0 {
			c.fin[p.Dir] = true
			if p.Flags.Has(flows.RST) || c.fin[1-p.Dir] {
				d.ignore(p) // both sides done: free the state
				d.live--
			}
		}
	}
}

// telnetByte consumes Telnet command bytes (IAC sequences); it reports
// whether b was part of one.
func (c *conn) telnetByte(d flows.Dir, b byte) bool {
	switch c.iac[d] {
	case 0:
		if b == 0xff {
			c.iac[d] = 1
			return true
		}
		return false
	case 1: // after IAC
		switch {
		case b == 0xff:
			c.iac[d] = 0
			return false // escaped 0xff data byte
		case b >= 251 && b <= 254:
			c.iac[d] = 2
		case b == 250:
			c.iac[d] = 3
		default:
			c.iac[d] = 0
		}
		return true
	case 2: // option byte
		c.iac[d] = 0
		return true
	case 3: // subnegotiation until IAC SE
		if b == 0xff {
			c.iac[d] = 4
		}
		return true
	case 4:
		if b == 240 {
			c.iac[d] = 0
		} else {
			c.iac[d] = 3
		}
		return true
	}
	return false
}

func (c *conn) prompt() {
	t := strings.ToLower(strings.TrimRight(string(c.tail), " \t\r\n"))
	switch {
	case strings.HasSuffix(t, "password:") || strings.HasSuffix(t, "passcode:"):
		c.expect = 2
		c.tail = c.tail[:0]
	case strings.HasSuffix(t, "login:") || strings.HasSuffix(t, "username:") || strings.HasSuffix(t, "user:") || strings.HasSuffix(t, "user name:"):
		c.expect = 1
		c.tail = c.tail[:0]
	}
}

func word(line []byte) (cmd, arg []byte) {
	cmd, arg, _ = bytes.Cut(line, []byte(" "))
	return cmd, bytes.TrimSpace(arg)
}

// line handles one complete line of a login conversation.
func (d *Detector) line(c *conn, p *flows.Packet, line []byte) {
	client, server := p.Flow.Src.Addr(), p.Flow.Dst
	add := func(svc, user, secret string) {
		c.last = d.add(svc, p, client, server, p.Flow, user, secret)
	}
	if p.Dir == flows.FromResponder {
		if c.last == nil || len(line) == 0 {
			return
		}
		verdict := ""
		switch c.svc {
		case svcFTP:
			if bytes.HasPrefix(line, []byte("230")) {
				verdict = "accepted"
			} else if bytes.HasPrefix(line, []byte("530")) {
				verdict = "rejected"
			}
		case svcPOP3:
			if bytes.HasPrefix(line, []byte("+OK")) {
				verdict = "accepted"
			} else if bytes.HasPrefix(line, []byte("-ERR")) {
				verdict = "rejected"
			}
		case svcIMAP:
			_, rest := word(line)
			if bytes.HasPrefix(rest, []byte("OK")) {
				verdict = "accepted"
			} else if bytes.HasPrefix(rest, []byte("NO")) || bytes.HasPrefix(rest, []byte("BAD")) {
				verdict = "rejected"
			}
		case svcSMTP:
			if bytes.HasPrefix(line, []byte("235")) {
				verdict = "accepted"
			} else if bytes.HasPrefix(line, []byte("535")) || bytes.HasPrefix(line, []byte("5")) {
				verdict = "rejected"
			}
			if bytes.HasPrefix(line, []byte("334")) {
				return
			}
		}
		if verdict != "" {
			c.last.Outcome, c.last.outcomeFrame = verdict, p.Frame
			c.last.addFrame(p.Frame)
			c.last = nil
		}
		return
	}
	switch c.svc {
	case svcTelnet:
		switch c.expect {
		case 1:
			c.user, c.expect = string(line), 0
		case 2:
			add("telnet", c.user, string(line))
			c.expect = 0
		}
		return
	case svcFTP:
		cmd, arg := word(line)
		switch {
		case bytes.EqualFold(cmd, []byte("USER")):
			c.user = string(arg)
		case bytes.EqualFold(cmd, []byte("PASS")):
			add("ftp", c.user, string(arg))
		}
		return
	}
	// POP3, IMAP and SMTP: USER/PASS, LOGIN and SASL PLAIN/LOGIN.
	switch c.expect {
	case 1:
		if u, ok := b64(line); ok {
			c.user, c.expect = string(u), 2
		} else {
			c.expect = 0
		}
		return
	case 2:
		if pw, ok := b64(line); ok {
			add(svcNames[c.svc], c.user, string(pw))
		}
		c.expect = 0
		return
	case 3:
		if u, pw, ok := ParseAuthPlain(line); ok {
			add(svcNames[c.svc], u, pw)
		}
		c.expect = 0
		return
	}
	cmd, arg := word(line)
	if c.svc == svcIMAP { // tag first
		cmd, arg = word(arg)
	}
	switch {
	case c.svc == svcPOP3 && bytes.EqualFold(cmd, []byte("USER")):
		c.user = string(arg)
	case c.svc == svcPOP3 && bytes.EqualFold(cmd, []byte("PASS")):
		add("pop3", c.user, string(arg))
	case c.svc == svcIMAP && bytes.EqualFold(cmd, []byte("LOGIN")):
		if a := imapArgs(arg); len(a) >= 2 {
			add("imap", a[0], a[1])
		}
	case bytes.EqualFold(cmd, []byte("AUTH")) || bytes.EqualFold(cmd, []byte("AUTHENTICATE")):
		mech, init := word(arg)
		switch {
		case bytes.EqualFold(mech, []byte("PLAIN")):
			if len(init) > 0 && !bytes.Equal(init, []byte("=")) {
				if u, pw, ok := ParseAuthPlain(init); ok {
					add(svcNames[c.svc], u, pw)
				}
			} else {
				c.expect = 3
			}
		case bytes.EqualFold(mech, []byte("LOGIN")):
			c.expect = 1
			if len(init) > 0 {
				if u, ok := b64(init); ok {
					c.user, c.expect = string(u), 2
				}
			}
		}
	}
}

// sip looks for Digest user names in SIP requests.
func (d *Detector) sip(p *flows.Packet) {
	b := p.Payload
	if len(b) < 16 || b[0] < 'A' || b[0] > 'Z' {
		return
	}
	nl := bytes.IndexByte(b[:min(len(b), 512)], '\n')
	if nl < 0 || !bytes.HasSuffix(bytes.TrimRight(b[:nl], "\r"), []byte(" SIP/2.0")) {
		return
	}
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(b)
	}
	for _, h := range []string{"\nauthorization:", "\nproxy-authorization:"} {
		i := indexFold(b[:end], h)
		if i < 0 {
			continue
		}
		v := b[i+len(h) : end]
		if j := bytes.IndexByte(v, '\n'); j >= 0 {
			v = v[:j]
		}
		if u, ok := ParseDigestUser(bytes.TrimSpace(v)); ok {
			d.add("sip-digest", p, p.Src, p.DstAddrPort(), p.Flow, u, "")
		}
		return
	}
}

// Findings returns one cleartext_credentials finding per distinct
// credential (service, client, server, user, secret), in order of first
// sight, and how many were left out by MaxCredentials.
func (d *Detector) Findings() ([]attack.Finding, uint64) {
	cs := make([]*cred, 0, len(d.creds))
	for _, c := range d.creds {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, byFirstSight)
	dropped := d.dropped
	if len(cs) > d.cfg.MaxCredentials {
		// Merged shards: keep the credentials the single Detector kept and
		// count every sighting of the others, as it did.
		for _, c := range cs[d.cfg.MaxCredentials:] {
			dropped += c.adds
		}
		cs = cs[:d.cfg.MaxCredentials]
	}
	out := make([]attack.Finding, 0, len(cs))
	for _, c := range cs {
		secret := c.Secret
		if !d.cfg.RevealSecrets {
			secret = Mask(secret)
		}
		what := "user " + quote(c.User)
		if c.User == "" {
			what = "secret"
		}
		s := fmt.Sprintf("%s %s sent in cleartext %s → %s", c.Service, what, c.flow.Src.Addr(), c.flow.Dst)
		if secret != "" {
			s += " (secret " + secret + ")"
		}
		if c.Outcome != "" {
			s += ", " + c.Outcome
		}
		f := attack.Finding{Kind: "cleartext_credentials", Severity: attack.Medium, Score: 0.5, Summary: s, Source: "creds",
			Src: c.flow.Src.Addr(), Dst: c.flow.Dst.Addr(), First: c.first, Last: c.last,
			Techniques: []attack.TechniqueRef{attack.Tech("T1552", 0.5), attack.Tech("T1040", 0.4)},
			Features:   []attack.Feature{{Name: "service", Text: c.Service}, {Name: "user", Text: c.User}}}
		if secret != "" {
			f.Features = append(f.Features, attack.Feature{Name: "secret", Text: secret})
		}
		if c.Outcome != "" {
			f.Features = append(f.Features, attack.Feature{Name: "outcome", Text: c.Outcome})
		}
		var frames attack.FrameSet
		for _, n := range c.frames {
			frames.Add(n)
		}
		for range c.nFrames - len(c.frames) {
			frames.Add(0) // past the cap: counted in the total only
		}
		filter := attack.FrameFilter(frames.Frames())
		switch {
		case c.flow.Proto == "":
		case c.multi:
			filter = hostPair(c.flow.Src.Addr(), c.flow.Dst.Addr()) + " && " + filter
		default:
			filter = flows.DisplayFilter(protoOf(c.flow.Proto), c.flow.Src, c.flow.Dst) + " && " + filter
		}
		f.Evidence = frames.Evidence(filter, c.refs...)
		out = append(out, f)
	}
	return out, dropped
}

func hostPair(a, b netip.Addr) string {
	ip := "ip"
	if !a.Is4() {
		ip = "ipv6"
	}
	return ip + ".addr==" + a.String() + " && " + ip + ".addr==" + b.String()
}

func protoOf(s string) flows.Proto {
	if s == "udp" {
		return flows.UDP
	}
	return flows.TCP
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// looksText reports whether the first bytes of a stream are text: at most
// one in sixteen of the first 64 bytes is a control byte other than tab,
// CR and LF, or a byte over 0x7e (a TLS record or random data fails).
func looksText(b []byte) bool {
	if len(b) > 64 {
		b = b[:64]
	}
	bad := 0
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c > 0x7e {
			bad++
		}
	}
	return bad*16 <= len(b)
}
