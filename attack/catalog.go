package attack

import "sort"

// Technique is one ATT&CK technique or sub-technique of the catalog.
type Technique struct {
	ID         string   `json:"id"`                   // "T1071.004"
	Name       string   `json:"name"`                 // "DNS"
	Tactics    []string `json:"tactics"`              // kill-chain phase short names
	URL        string   `json:"url"`                  // attack.mitre.org page
	Observable string   `json:"observable,omitempty"` // how the technique shows on the wire
}

// Tactics lists the enterprise ATT&CK tactics in matrix order.
var Tactics = []string{
	"reconnaissance",
	"resource-development",
	"initial-access",
	"execution",
	"persistence",
	"privilege-escalation",
	"defense-evasion",
	"credential-access",
	"discovery",
	"lateral-movement",
	"collection",
	"command-and-control",
	"exfiltration",
	"impact",
}

// Lookup returns the catalog entry for id ("T1046", "T1071.004").
func Lookup(id string) (Technique, bool) {
	i := sort.Search(len(catalog), func(i int) bool { return catalog[i].ID >= id })
	if i < len(catalog) && catalog[i].ID == id {
		return catalog[i], true
	}
	return Technique{}, false
}

// Catalog returns a copy of every technique in the catalog, sorted by ID.
func Catalog() []Technique {
	out := make([]Technique, len(catalog))
	copy(out, catalog[:])
	return out
}
