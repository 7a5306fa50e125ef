package auth

import (
	"context"

	"github.com/rathaus/rathaus"
)

type userKey struct{}

// WithUser returns a context that carries the logged-in staff member.
func WithUser(ctx context.Context, u *rathaus.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the logged-in staff member, or nil.
func UserFrom(ctx context.Context) *rathaus.User {
	u, _ := ctx.Value(userKey{}).(*rathaus.User)
	return u
}
