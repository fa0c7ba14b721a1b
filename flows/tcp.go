package flows

import (
	"time"
	"unsafe"
)

// seqInfo is Wireshark's per-direction tcp_analyze_seq_info.
type seqInfo struct {
	// Fields ordered by size: one seqInfo per direction of every TCP flow.
	nextSeqTime    int64 // Unix ns
	lastAckTime    int64 // Unix ns
	baseSeq        uint32
	nextSeq        uint32
	maxToBeAcked   uint32
	lastAck        uint32
	dupAckNum      int32
	isn            uint32 // sequence number of the first SYN (valid iff sawSYN)
	window         uint16
	lastFlags      TCPAnalysis
	history        uint16 // Zeek history letters seen, one bit each
	winScale       int8   // -1 unknown
	baseSet        bool
	nextSet        bool
	maxToBeAckedOK bool
	windowSet      bool
	sawSYN         bool
	sawFIN         bool
	sawRST         bool
	sawData        bool
}

type tcpState struct {
	dir       [2]seqInfo // by Dir
	synTime   int64      // first SYN (initiator), Unix ns; 0 if none
	synAck    bool       // SYN+ACK seen from the responder
	rttDone   bool
	hist      [16]byte // Zeek history: each letter once per direction, so 16 at most; append-only (TCPStats.History shares it)
	nhist     uint8
	histDirty bool
}

func (s *seqInfo) sawSYNSeq(seq uint32) {
	if !s.sawSYN {
		s.isn, s.sawSYN = seq, true
	}
}

// ISN returns the initial sequence number of direction d (the sequence
// number of its first SYN or SYN+ACK) and whether a SYN was seen from d.
// Stream offset 0 is at ISN+1.
func (f *Flow) ISN(d Dir) (uint32, bool) {
	if f.tcp == nil || d > FromResponder {
		return 0, false
	}
	s := &f.tcp.dir[d]
	return s.isn, s.sawSYN
}

// seq comparisons with wraparound, as Wireshark's LT_SEQ/GT_SEQ.
func ltSeq(a, b uint32) bool { return int32(a-b) < 0 }
func gtSeq(a, b uint32) bool { return int32(a-b) > 0 }
func leSeq(a, b uint32) bool { return int32(a-b) <= 0 }

// Zeek history letters.
const (
	hSyn = 1 << iota
	hSynAck
	hAck
	hData
	hFin
	hRst
	hRetrans
	hZeroWin
)

var histLetters = [...]byte{'s', 'h', 'a', 'd', 'f', 'r', 't', 'w'}

func (t *tcpState) addHistory(d Dir, bit uint16) {
	s := &t.dir[d]
	if s.history&bit != 0 {
		return
	}
	s.history |= bit
	var i int
	for i = 0; bit>>uint(i) != 1; i++ {
	}
	c := histLetters[i]
	if d == FromInitiator {
		c -= 'a' - 'A'
	}
	if int(t.nhist) < len(t.hist) {
		t.hist[t.nhist] = c
		t.nhist++
	}
	t.histDirty = true
}

// analyze runs Wireshark's tcp_analyze_sequence_number on one segment of
// flow f from direction d and returns the segment's analysis flags.
func (f *Flow) analyze(p *Packet, d Dir) TCPAnalysis {
	t := f.tcp
	fwd, rev := &t.dir[d], &t.dir[d^1]
	now := p.Time.UnixNano()
	seq, ack, flags, win := p.Seq, p.Ack, p.Flags, p.Window
	seglen := uint32(len(p.Payload))
	if p.IPLen > 0 {
		// Use the segment length from the IP header, not what was captured.
		seglen = uint32(tcpSegLen(p))
	}
	var ta TCPAnalysis
	noSFR := flags&(SYN|FIN|RST) == 0

	if !fwd.baseSet {
		if flags&SYN != 0 {
			fwd.baseSeq = seq
		} else {
			fwd.baseSeq = seq - 1
		}
		fwd.baseSet = true
	}
	if !rev.baseSet && flags&ACK != 0 {
		rev.baseSeq = ack - 1
		rev.baseSet = true
	}
	if flags&SYN != 0 {
		if flags&ACK == 0 {
			if t.synTime == 0 {
				t.synTime = now
			}
		} else {
			t.synAck = true
		}
		if p.WScale >= 0 {
			fwd.winScale = p.WScale
		}
	}

	// ZERO WINDOW PROBE
	if seglen == 1 && fwd.nextSet && seq == fwd.nextSeq && rev.windowSet && rev.window == 0 {
		ta |= TAZeroWindowProbe
		goto finishedFwd
	}
	// ZERO WINDOW
	if win == 0 && noSFR {
		ta |= TAZeroWindow
	}
	// LOST PACKET
	if fwd.nextSet && gtSeq(seq, fwd.nextSeq) && flags&RST == 0 {
		ta |= TALostSegment
	}
	// KEEP ALIVE
	if seglen <= 1 && fwd.nextSet && seq == fwd.nextSeq-1 && noSFR {
		ta |= TAKeepAlive
	}
	// WINDOW UPDATE
	if seglen == 0 && win != 0 && fwd.windowSet && win != fwd.window && seq == fwd.nextSeq && ack == fwd.lastAck && noSFR {
		ta |= TAWindowUpdate
	}
	// WINDOW FULL
	if seglen > 0 && rev.winScale >= 0 && rev.windowSet && rev.lastAck != 0 &&
		seq+seglen == rev.lastAck+uint32(rev.window)<<uint(rev.winScale) && noSFR {
		ta |= TAWindowFull
	}
	// KEEP ALIVE ACK
	if seglen == 0 && win != 0 && fwd.windowSet && win == fwd.window && seq == fwd.nextSeq && ack == fwd.lastAck &&
		rev.lastFlags&TAKeepAlive != 0 && noSFR {
		ta |= TAKeepAliveAck
		goto finishedFwd
	}
	// ZERO WINDOW PROBE ACK
	if seglen == 0 && win == 0 && fwd.windowSet && win == fwd.window && seq == fwd.nextSeq && ack == fwd.lastAck &&
		rev.lastFlags&TAZeroWindowProbe != 0 && noSFR {
		ta |= TAZeroWindowProbeAck
		goto finishedFwd
	}
	// DUPLICATE ACK
	if seglen == 0 && win != 0 && fwd.windowSet && win == fwd.window && fwd.nextSet && seq == fwd.nextSeq && ack == fwd.lastAck && noSFR {
		fwd.dupAckNum++
		ta |= TADupAck
	}

finishedFwd:
	// Wireshark resets the duplicate-ACK count only when the ACK number
	// moves (a window update between dup ACKs keeps it).
	if ack != fwd.lastAck {
		fwd.dupAckNum = 0
	}
	// ACKED LOST PACKET
	if rev.maxToBeAckedOK && gtSeq(ack, rev.maxToBeAcked) && flags&ACK != 0 {
		ta |= TAAckLostSegment
		rev.maxToBeAcked = rev.nextSeq
	}
	// RETRANSMISSION / FAST RETRANSMISSION / SPURIOUS / OUT-OF-ORDER
	if (seglen > 0 || flags&(SYN|FIN) != 0) && fwd.nextSet && ltSeq(seq, fwd.nextSeq) && ta&TAKeepAlive == 0 {
		switch {
		case seglen > 0 && rev.lastAck != 0 && leSeq(seq+seglen, rev.lastAck):
			ta |= TASpuriousRetransmission
		case rev.dupAckNum >= 2 && rev.lastAck == seq && now-rev.lastAckTime < int64(20*time.Millisecond):
			ta |= TAFastRetransmission
		default:
			thres := 3 * time.Millisecond
			if f.TCPStats.RTTms > 0 {
				thres = time.Duration(f.TCPStats.RTTms * float64(time.Millisecond))
			}
			if now-fwd.nextSeqTime < int64(thres) && fwd.nextSeq != seq+seglen {
				ta |= TAOutOfOrder
			} else {
				ta |= TARetransmission
			}
		}
	}

	if seglen > 0 || flags&(SYN|FIN) != 0 {
		next := seq + seglen
		if flags&(SYN|FIN) != 0 {
			next++
		}
		if (!fwd.nextSet || gtSeq(next, fwd.nextSeq)) && ta&TAZeroWindowProbe == 0 {
			fwd.nextSeq, fwd.nextSet, fwd.nextSeqTime = next, true, now
		}
		if (!fwd.maxToBeAckedOK || seq == fwd.maxToBeAcked) && ta&TAZeroWindowProbe == 0 {
			fwd.maxToBeAcked, fwd.maxToBeAckedOK = fwd.nextSeq, true
		}
	}
	fwd.window, fwd.windowSet = win, true
	fwd.lastAck, fwd.lastAckTime = ack, now
	fwd.lastFlags = ta

	// Handshake RTT: SYN → the initiator's ACK after the SYN+ACK.
	if !t.rttDone && d == FromInitiator && t.synAck && t.synTime != 0 && flags&(SYN|ACK) == ACK {
		t.rttDone = true
		f.TCPStats.RTTms = round3(float64(now-t.synTime) / float64(time.Millisecond))
	}
	return ta
}

// tcpSegLen returns the TCP payload length from the IP header lengths.
func tcpSegLen(p *Packet) int {
	return p.tcpPayloadLen
}

// updateTCP records one TCP segment in the flow's counters, state and history.
func (f *Flow) updateTCP(p *Packet, d Dir) {
	if f.tcp == nil {
		return // not created as a TCP flow
	}
	t := f.tcp
	ta := f.analyze(p, d)
	p.TCP = ta
	s := f.TCPStats
	if ta.IsRetransmission() {
		s.Retransmissions++
	}
	if ta.Has(TAFastRetransmission) {
		s.FastRetransmissions++
	}
	if ta.Has(TASpuriousRetransmission) {
		s.SpuriousRetransmissions++
	}
	if ta.Has(TADupAck) {
		s.DupAcks++
	}
	if ta.Has(TAZeroWindow) {
		s.ZeroWindows++
	}
	if ta.Has(TAOutOfOrder) {
		s.OutOfOrder++
	}
	if ta.Has(TALostSegment) {
		s.LostSegments++
	}
	if ta.Has(TAAckLostSegment) {
		s.AckedUnseen++
	}
	if ta.Has(TAKeepAlive) {
		s.KeepAlives++
	}
	if ta.Has(TAWindowFull) {
		s.WindowFull++
	}
	if ta.Has(TAWindowUpdate) {
		s.WindowUpdates++
	}

	ds := &t.dir[d]
	fl := p.Flags
	switch {
	case fl&SYN != 0 && fl&ACK == 0:
		t.addHistory(d, hSyn)
		ds.sawSYNSeq(p.Seq)
	case fl&SYN != 0:
		t.addHistory(d, hSynAck)
		ds.sawSYNSeq(p.Seq)
	case fl&ACK != 0 && p.tcpPayloadLen == 0 && fl&(FIN|RST) == 0:
		t.addHistory(d, hAck)
	}
	if p.tcpPayloadLen > 0 {
		t.addHistory(d, hData)
		ds.sawData = true
	}
	if fl&FIN != 0 {
		t.addHistory(d, hFin)
		ds.sawFIN = true
	}
	if fl&RST != 0 {
		t.addHistory(d, hRst)
		ds.sawRST = true
	}
	if ta.IsRetransmission() {
		t.addHistory(d, hRetrans)
	}
	if ta.Has(TAZeroWindow) {
		t.addHistory(d, hZeroWin)
	}
	if t.histDirty {
		t.histDirty = false
		// The history only grows: its bytes, once written, never change,
		// so the string can share them instead of copying them at every
		// new letter (TestHistoryStrings).
		s.History = unsafe.String(&t.hist[0], int(t.nhist))
		s.State = t.connState()
	}
}

// connState derives Zeek's conn_state from what each side sent.
func (t *tcpState) connState() string {
	o, r := &t.dir[FromInitiator], &t.dir[FromResponder]
	oSyn := o.history&hSyn != 0
	rSynAck := r.history&hSynAck != 0
	established := oSyn && rSynAck
	switch {
	case !oSyn && !rSynAck:
		if r.sawRST && !o.sawData && !r.sawData && !o.sawFIN {
			return "OTH"
		}
		return "OTH"
	case oSyn && !rSynAck:
		switch {
		case r.sawRST:
			return "REJ"
		case o.sawRST:
			return "RSTOS0"
		case o.sawFIN:
			return "SH"
		case r.history != 0:
			return "OTH"
		}
		return "S0"
	case !oSyn && rSynAck:
		switch {
		case r.sawRST:
			return "RSTRH"
		case r.sawFIN:
			return "SHR"
		}
		return "OTH"
	}
	_ = established
	switch {
	case o.sawRST:
		return "RSTO"
	case r.sawRST:
		return "RSTR"
	case o.sawFIN && r.sawFIN:
		return "SF"
	case o.sawFIN:
		return "S2"
	case r.sawFIN:
		return "S3"
	}
	return "S1"
}
