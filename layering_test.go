package rathaus_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering enforces the direction of dependencies from
// ARCHITECTURE.md: the domain and everything below the web layer stays
// free of net/http (outbound clients excepted), and the root package
// imports only the standard library.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Deps \",\"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/rathaus/rathaus"
	below := []string{"internal/store", "internal/casework", "internal/geo", "internal/calendar", "internal/media",
		"internal/jobs", "internal/audit", "internal/quality", "internal/sortition", "internal/demo", "internal/i18n"}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		depList := strings.Split(deps, ",")
		if pkg == mod {
			checked++
			for _, d := range depList {
				if strings.Contains(d, ".") && !strings.HasPrefix(d, "vendor/") {
					t.Errorf("package rathaus imports %s; it may use only the standard library", d)
				}
			}
		}
		for _, b := range below {
			if pkg != mod+"/"+b && !strings.HasPrefix(pkg, mod+"/"+b+"/") || strings.HasSuffix(pkg, "test") {
				continue
			}
			checked++
			for _, d := range depList {
				if d == "net/http" || strings.HasPrefix(d, mod+"/internal/web") || strings.HasPrefix(d, mod+"/cmd") {
					t.Errorf("%s imports %s: packages below the web layer must not", pkg, d)
				}
			}
		}
	}
	if checked < 8 {
		t.Fatalf("checked only %d packages; go list output changed?", checked)
	}
}
