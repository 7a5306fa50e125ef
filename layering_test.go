package rathaus_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering enforces the direction of dependencies from
// ARCHITECTURE.md: the root package imports only the standard library;
// packages below the web layer import neither net/http (outbound clients
// such as the OIDC client in internal/auth are the allowed exception, and
// are not listed here) nor anything of the web layer or cmd.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Deps \",\"}} {{join .Imports \",\"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/rathaus/rathaus"
	below := []string{"internal/store", "internal/casework", "internal/geo", "internal/calendar", "internal/media",
		"internal/jobs", "internal/audit", "internal/quality", "internal/sortition", "internal/demo", "internal/i18n"}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, depList, imports := fields[0], []string{}, []string{}
		if len(fields) > 1 {
			depList = strings.Split(fields[1], ",")
		}
		if len(fields) > 2 {
			imports = strings.Split(fields[2], ",")
		}
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
			for _, d := range imports {
				if d == "net/http" {
					t.Errorf("%s imports net/http: packages below the web layer must not", pkg)
				}
			}
			for _, d := range depList {
				if strings.HasPrefix(d, mod+"/internal/web") || strings.HasPrefix(d, mod+"/cmd") {
					t.Errorf("%s depends on %s: packages below the web layer must not", pkg, d)
				}
			}
		}
	}
	if checked < 8 {
		t.Fatalf("checked only %d packages; go list output changed?", checked)
	}
}
