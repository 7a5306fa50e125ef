package open311_test

import (
	"testing"

	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
	"github.com/rathaus/rathaus/internal/web/open311/open311test"
)

// TestConformance runs the black-box Open311 suite against the handler on
// every dialect.
func TestConformance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newStack(t, db)
		open311test.Run(t, open311test.Env{
			BaseURL: st.base, APIKey: "test-key", Jurisdiction: "test",
			Inside: [2]float64{52.2790, 8.0472}, Outside: [2]float64{52.52, 13.40},
			Client: st.srv.Client(),
		})
	})
}
