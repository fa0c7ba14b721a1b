package pcapai

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the import arrows of the design: protocol
// packages never import each other or the root, gopacket stays behind
// flows (and the reader's tools), mcp-go stays under adapters/, go-cmp in
// tests.
func TestDependencyDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/pcapai/pcapai"
	leaf := map[string]bool{"dnsx": true, "tlsx": true, "sip": true, "dhcp": true, "icmp": true, "beacon": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imps, _ := strings.Cut(line, ":")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, mod), "/")
		for _, imp := range strings.Fields(imps) {
			irel, internal := strings.CutPrefix(imp, mod+"/")
			switch {
			case strings.HasPrefix(imp, "github.com/google/gopacket") &&
				!(rel == "flows" || strings.HasPrefix(rel, "internal/tools/") || rel == "" || strings.HasPrefix(rel, "internal/")):
				t.Errorf("%s imports %s: gopacket stays behind flows", pkg, imp)
			case strings.HasPrefix(imp, "github.com/mark3labs/mcp-go") && !strings.HasPrefix(rel, "adapters/"):
				t.Errorf("%s imports %s: mcp-go only under adapters/", pkg, imp)
			case strings.HasPrefix(imp, "github.com/google/go-cmp"):
				t.Errorf("%s imports %s outside tests", pkg, imp)
			case rel == "attack" && strings.Contains(imp, "."):
				t.Errorf("attack imports %s: it uses the standard library only", imp)
			case imp == mod && !strings.HasPrefix(rel, "adapters/") && !strings.HasPrefix(rel, "examples/") && !strings.HasPrefix(rel, "internal/tools/"):
				t.Errorf("%s imports the root package: only adapters and examples do", pkg)
			case internal && leaf[rel] && leaf[irel]:
				t.Errorf("%s imports %s: analyzers never import each other", pkg, imp)
			case rel == "flows" && internal && irel != "attack" && !strings.HasPrefix(irel, "internal/"):
				t.Errorf("flows imports %s: flows depends only on attack and gopacket", imp)
			}
		}
	}
}
