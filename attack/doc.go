// Package attack holds the findings vocabulary every pcapai analyzer writes
// ([Finding], [Severity], [Evidence]) and the MITRE ATT&CK technique catalog
// the findings point into.
//
// The catalog is generated from the project's technique list
// (internal/gencatalog; ATT&CK [Version]) and embedded in the binary: no
// network access is needed to name or describe a technique. [Map] arranges
// findings into the ATT&CK matrix, tactic by tactic, in the catalog's order.
//
// The package depends on the standard library only, so every analyzer can
// import it without pulling anything else in.
package attack

//go:generate go run ../internal/gencatalog -in ../../shared/attack/techniques.json -out catalog_gen.go
