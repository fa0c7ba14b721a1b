package pcapai

import (
	"fmt"
	"math"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
)

// capState accumulates capinfos-like figures record by record.
type capState struct {
	packets, bytes, captured uint64
	first, last, prev        int64
	ordered                  bool
	snapCut                  uint64
	perIface                 []uint64
}

func (c *capState) init(cf *capfile.Reader) { c.ordered = true }

// record counts one record and returns its link type.
func (c *capState) record(cf *capfile.Reader, rec *capfile.Record) uint16 {
	c.packets++
	c.bytes += uint64(rec.OrigLen)
	c.captured += uint64(len(rec.Data))
	if len(rec.Data) < rec.OrigLen {
		c.snapCut++
	}
	if c.packets == 1 {
		c.first, c.last = rec.Time, rec.Time
	} else {
		if rec.Time < c.prev {
			c.ordered = false
		}
		c.first = min(c.first, rec.Time)
		c.last = max(c.last, rec.Time)
	}
	c.prev = rec.Time
	ifs := cf.Interfaces()
	for len(c.perIface) <= rec.Iface {
		c.perIface = append(c.perIface, 0)
	}
	c.perIface[rec.Iface]++
	if rec.Iface < len(ifs) {
		return ifs[rec.Iface].LinkType
	}
	return 0
}

func (c *capState) fill(cf *capfile.Reader, r *Reader, ci *CaptureInfo) {
	ci.Format = cf.Format().String()
	ci.Compressed = cf.Compressed()
	ci.FileSize = r.size
	ci.Sections = cf.Sections()
	ci.Packets, ci.Bytes, ci.CapturedBytes = c.packets, c.bytes, c.captured
	ci.TimeOrdered = c.ordered
	ci.SnapTruncated = c.snapCut
	ci.LinkTypes = []string{}
	ci.Interfaces = []InterfaceInfo{}
	seen := map[string]bool{}
	maxDigits := 0
	for i, in := range cf.Interfaces() {
		name := flows.LinkType(in.LinkType).String()
		if !seen[name] {
			seen[name] = true
			ci.LinkTypes = append(ci.LinkTypes, name)
		}
		ii := InterfaceInfo{Index: i, LinkType: name, LinkTypeNum: in.LinkType, SnapLen: in.SnapLen, Precision: in.Precision(), Name: in.Name, Description: in.Description, Comment: in.Comment}
		if i < len(c.perIface) {
			ii.Packets = c.perIface[i]
		}
		ci.Interfaces = append(ci.Interfaces, ii)
		if in.SnapLen > ci.SnapLen {
			ci.SnapLen = in.SnapLen
		}
		maxDigits = max(maxDigits, in.Precision())
	}
	ci.TimestampPrecision = precisionName(maxDigits)
	ci.Comments = cf.Comments()
	ci.Application, ci.OS, ci.Hardware = cf.Application()
	if c.packets > 0 {
		ci.First = time.Unix(0, c.first).UTC()
		ci.Last = time.Unix(0, c.last).UTC()
		ci.DurationS = round6(float64(c.last-c.first) / 1e9)
		ci.AvgPacketSize = round3(float64(c.bytes) / float64(c.packets))
		if ci.DurationS > 0 {
			ci.ByteRate = round3(float64(c.bytes) / ci.DurationS)
			ci.BitRate = round3(float64(c.bytes) * 8 / ci.DurationS)
			ci.PacketRate = round3(float64(c.packets) / ci.DurationS)
		}
	}
}

func precisionName(d int) string {
	switch {
	case d == 0:
		return "seconds (0)"
	case d <= 3:
		return fmt.Sprintf("milliseconds (%d)", d)
	case d <= 6:
		return fmt.Sprintf("microseconds (%d)", d)
	}
	return fmt.Sprintf("nanoseconds (%d)", d)
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
