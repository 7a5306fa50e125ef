package web

import (
	"net/http"
	"strings"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/web/ui"
)

// StaffRoute is a route that needs a login and at least a role.
type StaffRoute struct {
	Pattern string
	MinRole rathaus.Role
}

// loadUser puts the staff member of a valid session cookie into the
// request context. Open311 and static files never look at cookies.
func (s *server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/open311/") || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		if c, err := r.Cookie(s.ui.SessionCookie()); err == nil && c.Value != "" {
			if u, err := s.Auth.SessionUser(r.Context(), c.Value); err == nil {
				r = r.WithContext(auth.WithUser(r.Context(), u))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// staff registers a staff route: anonymous visitors are sent to the login
// (303), logged-in users below minRole get 403. Finer rules (own
// department) are checked by casework.
func (s *server) staff(mux *http.ServeMux, pattern string, minRole rathaus.Role, h http.HandlerFunc) {
	s.staffRoutes = append(s.staffRoutes, StaffRoute{Pattern: pattern, MinRole: minRole})
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := auth.UserFrom(r.Context())
		if u == nil {
			http.Redirect(w, r, ui.LoginURL(r), http.StatusSeeOther)
			return
		}
		if !u.Role.AtLeast(minRole) {
			s.ui.Error(w, r, rathaus.Forbiddenf("%s needs the role %s", pattern, minRole))
			return
		}
		h(w, r)
	}))
}
