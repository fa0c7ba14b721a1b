package mcp

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// typeSchemas are the honest schemas of the library's text-marshalled
// types: generated ones would show netip values as empty objects and enums
// as integers.
var typeSchemas = map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[netip.Addr]():      {Type: "string", Description: "IP address, \"192.0.2.10\" or \"2001:db8::1\""},
	reflect.TypeFor[netip.AddrPort]():  {Type: "string", Description: "address and port, \"192.0.2.10:443\" or \"[2001:db8::1]:53\""},
	reflect.TypeFor[netip.Prefix]():    {Type: "string"},
	reflect.TypeFor[time.Time]():       {Type: "string", Format: "date-time", Description: "capture time, UTC, RFC 3339"},
	reflect.TypeFor[time.Duration]():   {Type: "integer"},
	reflect.TypeFor[flows.Proto]():     {Type: "string", Description: "\"tcp\", \"udp\", \"icmp\", \"icmpv6\", … or \"ip-proto-N\""},
	reflect.TypeFor[flows.Encap]():     {Type: "string", Description: "\"gre\", \"vxlan\", \"geneve\", \"ipip\", \"mpls\", \"pppoe\""},
	reflect.TypeFor[flows.LinkType]():  {Type: "string"},
	reflect.TypeFor[attack.Severity](): {Type: "string", Enum: []any{"info", "low", "medium", "high", "critical"}},
}

// schemaFor builds the JSON schema of t with the overrides above, and
// patches types whose MarshalJSON adds fields.
func schemaFor(t reflect.Type) (*jsonschema.Schema, error) {
	s, err := jsonschema.ForType(t, &jsonschema.ForOptions{TypeSchemas: typeSchemas})
	if err != nil {
		return nil, err
	}
	patchFlows(s, map[*jsonschema.Schema]bool{})
	return s, nil
}

// patchFlows adds the fields flows.Flow.MarshalJSON writes beside its
// struct fields to every flow object in s.
func patchFlows(s *jsonschema.Schema, seen map[*jsonschema.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if p := s.Properties; p != nil && p["first_frame"] != nil && p["fwd"] != nil && p["duration_ms"] == nil {
		p["duration_ms"] = &jsonschema.Schema{Type: "number"}
		p["bits_per_sec"] = &jsonschema.Schema{Type: "number"}
		// The embedded *TCPStats is absent on non-TCP flows.
		var req []string
		for _, r := range s.Required {
			if !tcpFields[r] {
				req = append(req, r)
			}
		}
		s.Required = req
	}
	for _, c := range s.Properties {
		patchFlows(c, seen)
	}
	patchFlows(s.Items, seen)
	patchFlows(s.AdditionalProperties, seen)
	for _, c := range s.Defs {
		patchFlows(c, seen)
	}
	for _, c := range s.AnyOf {
		patchFlows(c, seen)
	}
}

var tcpFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[flows.TCPStats]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = true
	}
	return m
}()

// mustSchema returns the schema of T as JSON; it panics on a type the
// generator cannot describe (a programming error caught by every test).
func mustSchema[T any]() json.RawMessage {
	s, err := schemaFor(reflect.TypeFor[T]())
	if err != nil {
		panic(fmt.Sprintf("mcp: schema of %v: %v", reflect.TypeFor[T](), err))
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

// argEnums are the closed value sets of arguments, shown to the model in
// the input schemas.
var argEnums = map[string][]any{
	"sort":         {"first", "bytes", "packets", "duration", "retransmissions"},
	"min_severity": {"info", "low", "medium", "high", "critical"},
}

// argSchema is the input schema of A: its generated schema (no unknown
// properties) with the argument enums.
func argSchema[A any]() json.RawMessage {
	s, err := schemaFor(reflect.TypeFor[A]())
	if err != nil {
		panic(fmt.Sprintf("mcp: schema of %v: %v", reflect.TypeFor[A](), err))
	}
	for name, vals := range argEnums {
		if p := s.Properties[name]; p != nil {
			p.Enum = vals
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}
