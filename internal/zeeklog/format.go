package zeeklog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Format is a Zeek log format.
type Format int

const (
	// TSV is Zeek's default ASCII format: #separator, #fields and #types
	// headers, tab-separated values, "-" for unset, "(empty)" for empty.
	TSV Format = iota
	// JSON is Zeek's LogAscii::use_json format: one object per line, ts as
	// epoch seconds, unset fields left out.
	JSON
)

// field is one column: Zeek's name and type.
type field struct{ name, typ string }

// table is one log: its path ("conn") and rows of values in field order.
// A value is nil (unset), string, uint64, float64 (interval or double),
// time.Time, bool, netip.Addr, []string or []float64.
type table struct {
	path   string
	fields []field
	rows   [][]any
}

func fields(spec string) []field {
	var out []field
	for _, f := range strings.Fields(spec) {
		n, t, _ := strings.Cut(f, ":")
		out = append(out, field{n, t})
	}
	return out
}

// write writes t in format f; open is the capture's first packet time,
// used for the #open and #close headers so that output is deterministic.
func (t *table) write(w io.Writer, f Format, open, close time.Time) error {
	bw := bufio.NewWriter(w)
	if f == JSON {
		for _, r := range t.rows {
			writeJSONRow(bw, t.fields, r)
		}
		return bw.Flush()
	}
	fmt.Fprintf(bw, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t%s\n#fields", t.path, zeekDate(open))
	for _, fd := range t.fields {
		bw.WriteString("\t" + fd.name)
	}
	bw.WriteString("\n#types")
	for _, fd := range t.fields {
		bw.WriteString("\t" + fd.typ)
	}
	bw.WriteByte('\n')
	for _, r := range t.rows {
		for i, v := range r {
			if i > 0 {
				bw.WriteByte('\t')
			}
			bw.WriteString(tsvValue(v))
		}
		bw.WriteByte('\n')
	}
	fmt.Fprintf(bw, "#close\t%s\n", zeekDate(close))
	return bw.Flush()
}

func zeekDate(t time.Time) string { return t.UTC().Format("2006-01-02-15-04-05") }

// zeekTime is Zeek's time format: epoch seconds with six decimals.
func zeekTime(t time.Time) string {
	us := t.UnixMicro()
	sign := ""
	if us < 0 {
		sign, us = "-", -us
	}
	return fmt.Sprintf("%s%d.%06d", sign, us/1e6, us%1e6)
}

func zeekFloat(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }

// escape writes s as Zeek's ASCII writer does: backslash, control and
// non-ASCII bytes as \xNN; the separators inside a field as \xNN too.
func escape(s string, inSet bool) string {
	if s == "" {
		return "(empty)"
	}
	if s == "-" {
		return `\x2d`
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c < 0x20 || c >= 0x7f || (inSet && c == ',') {
			fmt.Fprintf(&b, `\x%02x`, c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func tsvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return escape(x, false)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return zeekFloat(x)
	case time.Time:
		return zeekTime(x)
	case bool:
		if x {
			return "T"
		}
		return "F"
	case netip.Addr:
		return x.String()
	case []string:
		if len(x) == 0 {
			return "(empty)"
		}
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = escape(s, true)
		}
		return strings.Join(parts, ",")
	case []float64:
		if len(x) == 0 {
			return "(empty)"
		}
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = zeekFloat(f)
		}
		return strings.Join(parts, ",")
	}
	panic(fmt.Sprintf("zeeklog: value of type %T", v))
}

func writeJSONRow(w *bufio.Writer, fs []field, r []any) {
	w.WriteByte('{')
	first := true
	for i, v := range r {
		if v == nil {
			continue
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(fs[i].name)
		w.Write(k)
		w.WriteByte(':')
		switch x := v.(type) {
		case time.Time:
			w.WriteString(zeekTime(x))
		case float64:
			w.WriteString(zeekFloat(x))
		case netip.Addr:
			w.WriteString(`"` + x.String() + `"`)
		case []string:
			if len(x) == 0 {
				w.WriteString("[]")
				break
			}
			b, _ := json.Marshal(x)
			w.Write(b)
		case []float64:
			w.WriteByte('[')
			for j, f := range x {
				if j > 0 {
					w.WriteByte(',')
				}
				w.WriteString(zeekFloat(f))
			}
			w.WriteByte(']')
		default:
			b, _ := json.Marshal(x)
			w.Write(b)
		}
	}
	w.WriteString("}\n")
}
