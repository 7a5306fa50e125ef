package quality_test

import (
	"testing"
	"time"

	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

func TestPeriodEndAndLatestValues(t *testing.T) {
	for _, tt := range []struct{ period, want string }{
		{"2026", "2026-12-31"},
		{"2026-Q1", "2026-03-31"},
		{"2026-Q4", "2026-12-31"},
		{"2024-02", "2024-02-29"},
		{"2026-12", "2026-12-31"},
		{"2026-03-02", "2026-03-02"},
	} {
		if got := quality.PeriodEnd(tt.period).Format(time.DateOnly); got != tt.want {
			t.Errorf("PeriodEnd(%s) = %s, want %s", tt.period, got, tt.want)
		}
	}
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	latest := quality.LatestValues([]store.ManualValue{
		{IndicatorID: 1, Period: "2026-03", Value: 1, UpdatedAt: t0},
		{IndicatorID: 1, Period: "2026-Q1", Value: 2, UpdatedAt: t0.Add(time.Hour)}, // same end, entered later
		{IndicatorID: 1, Period: "2025", Value: 3, UpdatedAt: t0.Add(2 * time.Hour)},
		{IndicatorID: 2, Period: "2026-03-02", Value: 4, UpdatedAt: t0},
		{IndicatorID: 2, Period: "2026-02", Value: 5, UpdatedAt: t0.Add(time.Hour)},
	})
	if len(latest) != 2 || latest[1].Value != 2 || latest[2].Value != 4 {
		t.Errorf("LatestValues = %+v, want 2 for indicator 1 and 4 for indicator 2", latest)
	}
}
