package attack

import "sort"

// Matrix arranges findings by ATT&CK tactic and technique.
type Matrix struct {
	Version string       `json:"attack_version"`
	Tactics []TacticCell `json:"tactics"`
}

// TacticCell is one column of the matrix.
type TacticCell struct {
	Tactic     string          `json:"tactic"`
	Techniques []TechniqueCell `json:"techniques"`
}

// TechniqueCell is one technique with the findings that point to it.
type TechniqueCell struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	URL           string   `json:"url"`
	Findings      int      `json:"findings"`
	MaxConfidence float64  `json:"max_confidence"`
	MaxSeverity   Severity `json:"max_severity"`
	Kinds         []string `json:"kinds"`   // distinct finding kinds, sorted
	Indexes       []int    `json:"indexes"` // positions in the findings slice given to Map
}

// Map returns the matrix of the given findings: each tactic (in [Tactics]
// order) that has at least one technique, each technique sorted by ID.
// Techniques missing from the catalog are skipped.
func Map(findings []Finding) Matrix {
	type cell struct {
		t    Technique
		c    TechniqueCell
		kind map[string]bool
	}
	cells := map[string]*cell{}
	for i, f := range findings {
		for _, ref := range f.Techniques {
			t, ok := Lookup(ref.ID)
			if !ok {
				continue
			}
			c := cells[t.ID]
			if c == nil {
				c = &cell{t: t, c: TechniqueCell{ID: t.ID, Name: t.Name, URL: t.URL}, kind: map[string]bool{}}
				cells[t.ID] = c
			}
			c.c.Findings++
			c.c.Indexes = append(c.c.Indexes, i)
			if ref.Confidence > c.c.MaxConfidence {
				c.c.MaxConfidence = ref.Confidence
			}
			if f.Severity > c.c.MaxSeverity {
				c.c.MaxSeverity = f.Severity
			}
			c.kind[f.Kind] = true
		}
	}
	m := Matrix{Version: Version, Tactics: []TacticCell{}}
	for _, tactic := range Tactics {
		var col []TechniqueCell
		for _, c := range cells {
			for _, tt := range c.t.Tactics {
				if tt == tactic {
					tc := c.c
					for k := range c.kind {
						tc.Kinds = append(tc.Kinds, k)
					}
					sort.Strings(tc.Kinds)
					col = append(col, tc)
					break
				}
			}
		}
		if len(col) == 0 {
			continue
		}
		sort.Slice(col, func(i, j int) bool { return col[i].ID < col[j].ID })
		m.Tactics = append(m.Tactics, TacticCell{Tactic: tactic, Techniques: col})
	}
	return m
}
