package attack

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"
)

// Severity ranks a finding. The zero value is [Info].
type Severity uint8

const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", s)
}

// MarshalText writes the severity's name ("high").
func (s Severity) MarshalText() ([]byte, error) {
	if int(s) >= len(severityNames) {
		return nil, fmt.Errorf("attack: invalid severity %d", s)
	}
	return []byte(severityNames[s]), nil
}

// UnmarshalText reads a severity name, case-insensitively.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses "info", "low", "medium", "high" or "critical".
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(n, name) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("attack: unknown severity %q", name)
}

// TechniqueRef names an ATT&CK technique a finding points to, with the
// detector's confidence (0–1) that the activity is that technique.
type TechniqueRef struct {
	ID         string  `json:"id"`
	Name       string  `json:"name,omitempty"`
	Confidence float64 `json:"confidence"`
}

// Feature is one measured input of a finding's score: the finding is
// explainable by its list of features.
type Feature struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Text  string  `json:"text,omitempty"` // a non-numeric value ("NULL", "example.com")
}

// FlowRef names a flow initiator → responder.
type FlowRef struct {
	Proto string         `json:"proto"` // "tcp", "udp", "icmp", …
	Src   netip.AddrPort `json:"src"`
	Dst   netip.AddrPort `json:"dst"`
}

// Evidence says where a finding can be checked: Wireshark frame numbers
// (1-based over every record of the file), the flows involved and a display
// filter that selects those packets.
type Evidence struct {
	File          string    `json:"file,omitempty"` // set when several files were analyzed together
	Frames        []uint64  `json:"frames"`         // capped; sorted
	FramesTotal   int       `json:"frames_total"`   // all frames, not capped
	Flows         []FlowRef `json:"flows,omitempty"`
	DisplayFilter string    `json:"display_filter,omitempty"`
}

// Finding is one conclusion of a detector, with what it rests on.
type Finding struct {
	Kind       string         `json:"kind"` // stable snake_case id: "beacon", "port_scan"
	Severity   Severity       `json:"severity"`
	Score      float64        `json:"score"` // 0–1
	Summary    string         `json:"summary"`
	Source     string         `json:"source"` // the analyzer that produced it: "dnsx", "beacon"
	Src        netip.Addr     `json:"src,omitzero"`
	Dst        netip.Addr     `json:"dst,omitzero"`
	First      time.Time      `json:"first"`
	Last       time.Time      `json:"last"`
	Techniques []TechniqueRef `json:"techniques"`
	Features   []Feature      `json:"features,omitempty"`
	Evidence   Evidence       `json:"evidence"`
}

// Tech returns a TechniqueRef for id with its catalog name. It panics if id is
// not in the catalog: detectors name techniques as constants, and a test
// checks each one.
func Tech(id string, confidence float64) TechniqueRef {
	t, ok := Lookup(id)
	if !ok {
		panic("attack: technique " + id + " is not in the ATT&CK catalog")
	}
	return TechniqueRef{ID: t.ID, Name: t.Name, Confidence: Round(confidence)}
}

// Round rounds x to three decimals, the precision of scores in reports.
func Round(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1000) / 1000
}

// Sort orders findings by severity (highest first), then score, first time,
// kind and summary, so reports are deterministic.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Summary < b.Summary
	})
}

// SeverityFor maps a score to a severity with the usual bands:
// ≥ 0.9 critical, ≥ 0.75 high, ≥ 0.5 medium, ≥ 0.25 low, else info.
func SeverityFor(score float64) Severity {
	switch {
	case score >= 0.9:
		return Critical
	case score >= 0.75:
		return High
	case score >= 0.5:
		return Medium
	case score >= 0.25:
		return Low
	}
	return Info
}
