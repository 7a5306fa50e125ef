package rathaus

// Permission rules are domain rules: they live here so that every module
// and every interface (web pages, JSON API, command line) checks the same.

// CanView reports whether u may read request r.
func CanView(u *User, r *Request) bool {
	return u != nil && !u.Disabled && u.JurisdictionID == r.JurisdictionID
}

// CanWork reports whether u may change request r: admins everywhere; leads
// and caseworkers in their own department, or anywhere when they belong to
// no department (a central dispatch desk); viewers never.
func CanWork(u *User, r *Request) error {
	if !CanView(u, r) {
		return Forbiddenf("no access to request %s", r.Number)
	}
	switch u.Role {
	case RoleAdmin:
		return nil
	case RoleLead, RoleCaseworker:
		if u.DepartmentID == 0 || u.DepartmentID == r.DepartmentID {
			return nil
		}
		return Forbiddenf("request %s belongs to another department", r.Number)
	}
	return Forbiddenf("role %s may not change requests", u.Role)
}

// CanAdminister reports whether u may change users, keys, the catalogue and
// settings of jurisdiction j.
func CanAdminister(u *User, jurisdictionID int64) error {
	if u == nil || u.Disabled || u.JurisdictionID != jurisdictionID || u.Role != RoleAdmin {
		return Forbiddenf("administration needs the admin role")
	}
	return nil
}

// transitions lists the workflow moves staff may make with Transition;
// closing and reopening have their own actions.
var transitions = map[State][]State{
	StateNew:        {StateAccepted, StateInProgress, StateWaiting},
	StateAccepted:   {StateInProgress, StateWaiting},
	StateInProgress: {StateWaiting, StateAccepted},
	StateWaiting:    {StateInProgress, StateAccepted},
}

// CanTransition reports whether a request may move from one state to another.
func CanTransition(from, to State) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return Conflictf("a request cannot move from %s to %s", from, to)
}

// rank orders roles by privilege.
func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 4
	case RoleLead:
		return 3
	case RoleCaseworker:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r has at least the privileges of min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }
