package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/rathaus/rathaus"
)

// TestStaffRouteRoles checks every registered staff route against its
// minimum role: anonymous visitors go to the login, lower roles get 403,
// the others get through. A route without an entry here fails the test.
func TestStaffRouteRoles(t *testing.T) {
	const viewer, worker, admin = rathaus.RoleViewer, rathaus.RoleCaseworker, rathaus.RoleAdmin
	expected := map[string]rathaus.Role{
		"GET /staff":                                               viewer,
		"GET /staff/requests/{id}":                                 viewer,
		"GET /staff/media/{id}":                                    viewer,
		"GET /staff/logo":                                          viewer,
		"POST /staff/requests/{id}/accept":                         worker,
		"POST /staff/requests/{id}/assign":                         worker,
		"POST /staff/requests/{id}/state":                          worker,
		"POST /staff/requests/{id}/reply":                          worker,
		"POST /staff/requests/{id}/note":                           worker,
		"POST /staff/requests/{id}/forward":                        worker,
		"POST /staff/requests/{id}/merge":                          worker,
		"POST /staff/requests/{id}/close":                          worker,
		"POST /staff/requests/{id}/reopen":                         worker,
		"POST /staff/requests/{id}/publish":                        worker,
		"POST /staff/requests/{id}/media/{mid}/publish":            worker,
		"POST /staff/requests/{id}/media/{mid}/blur":               worker,
		"GET /staff/admin":                                         admin,
		"GET /staff/admin/departments":                             admin,
		"POST /staff/admin/departments":                            admin,
		"POST /staff/admin/departments/{id}":                       admin,
		"GET /staff/admin/users":                                   admin,
		"POST /staff/admin/users":                                  admin,
		"POST /staff/admin/users/{id}":                             admin,
		"GET /staff/admin/services":                                admin,
		"POST /staff/admin/services":                               admin,
		"GET /staff/admin/services/{id}":                           admin,
		"POST /staff/admin/services/{id}":                          admin,
		"POST /staff/admin/services/{id}/attributes":               admin,
		"POST /staff/admin/services/{id}/attributes/{code}/delete": admin,
		"GET /staff/admin/routing":                                 admin,
		"POST /staff/admin/routing":                                admin,
		"POST /staff/admin/routing/{id}/delete":                    admin,
		"GET /staff/admin/apikeys":                                 admin,
		"POST /staff/admin/apikeys":                                admin,
		"POST /staff/admin/apikeys/{id}/revoke":                    admin,
		"GET /staff/admin/settings":                                admin,
		"POST /staff/admin/settings":                               admin,
		"GET /staff/quality":                                       rathaus.RoleLead,
		"GET /staff/quality.csv":                                   rathaus.RoleLead,
		"GET /staff/quality.json":                                  rathaus.RoleLead,
		"GET /staff/quality/targets":                               rathaus.RoleLead,
		"POST /staff/quality/targets":                              rathaus.RoleLead,
		"POST /staff/quality/targets/{id}/delete":                  rathaus.RoleLead,
		"GET /staff/quality/indicators":                            rathaus.RoleLead,
		"POST /staff/quality/indicators":                           rathaus.RoleLead,
		"POST /staff/quality/indicators/values":                    rathaus.RoleLead,
		"POST /staff/quality/indicators/import":                    rathaus.RoleLead,
		"GET /staff/quality/feedback":                              rathaus.RoleLead,
		"GET /staff/admin/services/{id}/survey":                    admin,
		"POST /staff/admin/services/{id}/survey":                   admin,
		"GET /staff/sortition":                                     rathaus.RoleLead,
		"GET /staff/sortition/new":                                 rathaus.RoleLead,
		"POST /staff/sortition":                                    rathaus.RoleLead,
		"GET /staff/sortition/{id}":                                rathaus.RoleLead,
		"GET /staff/sortition/{id}/files/{name}":                   rathaus.RoleLead,
		"POST /staff/sortition/{id}/cancel":                        rathaus.RoleLead,
		"POST /staff/sortition/{id}/delete-pool":                   rathaus.RoleLead,
		"POST /staff/sortition/{id}/delete":                        rathaus.RoleLead,
	}
	e := newStaffEnv(t)
	registered := map[string]rathaus.Role{}
	for _, r := range e.srv.staffRoutes {
		registered[r.Pattern] = r.MinRole
	}
	var diff []string
	for p, role := range registered {
		if want, ok := expected[p]; !ok {
			diff = append(diff, fmt.Sprintf("registered but not in the table: %s (%s)", p, role))
		} else if want != role {
			diff = append(diff, fmt.Sprintf("%s: registered with %s, table says %s", p, role, want))
		}
	}
	for p := range expected {
		if _, ok := registered[p]; !ok {
			diff = append(diff, "in the table but not registered: "+p)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("staff routes and the role table differ:\n%s", strings.Join(diff, "\n"))
	}

	// Plausible forms; a validation answer counts as "let through".
	forms := map[string]url.Values{
		"assign": {"assignee": {""}}, "state": {"state": {"in_progress"}}, "reply": {"text": {"Wir kümmern uns."}},
		"note": {"text": {"intern"}}, "forward": {"department": {"0"}, "reason": {"x"}}, "merge": {"original": {""}},
		"close": {"resolution": {"nonsense"}}, "reopen": {"reason": {"x"}}, "publish": {"public": {"1"}},
		"blur": {"x": {"-1"}, "y": {"0"}, "w": {"1"}, "h": {"1"}},
	}
	fill := strings.NewReplacer("{id}", fmt.Sprint(e.req.ID), "{mid}", fmt.Sprint(e.mediaID), "{code}", "nosuch", "{name}", "report.txt")
	// Admin POSTs that would change the caller or succeed destructively get
	// harmless bodies: an invalid department code, an unknown rule.
	for pattern, minRole := range expected {
		method, path, _ := strings.Cut(pattern, " ")
		path = fill.Replace(path)
		if strings.Contains(pattern, "/admin/users/{id}") || strings.Contains(pattern, "/apikeys/{id}") || strings.Contains(pattern, "/routing/{id}") ||
			strings.Contains(pattern, "/departments/{id}") || strings.Contains(pattern, "/services/{id}") {
			path = strings.Replace(path, fmt.Sprint(e.req.ID), "999", 1)
		}
		var form url.Values
		if method == http.MethodPost {
			form = url.Values{"code": {"BAD CODE"}}
			last := path[strings.LastIndex(path, "/")+1:]
			if f, ok := forms[last]; ok {
				form = f
			}
		}
		for _, who := range []string{"", "viewer", "caseworker", "lead", "admin"} {
			w := e.do(who, method, path, form)
			switch {
			case who == "":
				loc := w.Header().Get("Location")
				if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
					t.Errorf("%s anonymous: %d %q, want 303 to /login?next=", pattern, w.Code, loc)
				}
			case !rathaus.Role(who).AtLeast(minRole):
				if w.Code != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403", pattern, who, w.Code)
				}
			default:
				loc := w.Header().Get("Location")
				if w.Code == http.StatusForbidden || strings.HasPrefix(loc, "/login") || w.Code >= 500 {
					t.Errorf("%s as %s: %d %q, want it let through", pattern, who, w.Code, loc)
				}
			}
		}
	}
}
