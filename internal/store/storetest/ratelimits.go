package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/store"
)

// countHit is CountHit that fails the test at once on an error.
func countHit(t *testing.T, s store.Store, key string, windowStart time.Time) int {
	t.Helper()
	n, err := s.CountHit(t.Context(), key, windowStart)
	must(t, "CountHit "+key, err)
	return n
}

// testCountHit counts hits per key and window: each window starts at 1,
// and keys and windows do not share counts. A window is an instant, so the
// same one given in another zone is the same window.
func testCountHit(t *testing.T, s store.Store) {
	window, next := at(0), at(time.Minute)
	for want := 1; want <= 3; want++ {
		if got := countHit(t, s, "shop", window); got != want {
			t.Errorf("hit %d in a window = %d", want, got)
		}
	}
	if got := countHit(t, s, "shop", window.UTC()); got != 4 {
		t.Errorf("hit on the window given in UTC = %d, want 4", got)
	}
	if got := countHit(t, s, "shop", next); got != 1 {
		t.Errorf("first hit in the next window = %d, want 1", got)
	}
	if got := countHit(t, s, "other", window); got != 1 {
		t.Errorf("first hit on another key = %d, want 1", got)
	}
	if got := countHit(t, s, "shop", window); got != 5 {
		t.Errorf("hit on the first window after the others = %d, want 5", got)
	}
}

// testCountHitConcurrent hits one window from many callers at once: every
// hit is counted, and each caller sees a count of its own.
func testCountHitConcurrent(t *testing.T, s store.Store) {
	const hits = 20
	var (
		mu     sync.Mutex
		counts []int
	)
	race(t, s, hits, func(int) {
		n, err := s.CountHit(t.Context(), "shop", at(0))
		if err != nil {
			t.Errorf("CountHit: %v", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		counts = append(counts, n)
	})
	slices.Sort(counts)
	want := make([]int, hits)
	for i := range want {
		want[i] = i + 1
	}
	equal(t, "counts the racing hits saw", counts, want)
	if got := countHit(t, s, "shop", at(0)); got != hits+1 {
		t.Errorf("hit after the race = %d, want %d", got, hits+1)
	}
}

// testCountHitDeleteExpired checks that the sweep removes the windows that
// started before its cutoff, counting them, and keeps the one starting at
// it.
func testCountHitDeleteExpired(t *testing.T, s store.Store) {
	old, current := at(0), at(time.Minute)
	countHit(t, s, "shop", old)
	countHit(t, s, "other", old)
	countHit(t, s, "shop", current)

	n := deleteExpired(t, s, store.CutoffsAt(current), 2)
	if n != 2 {
		t.Errorf("DeleteExpired = %d, want 2", n)
	}
	if got := countHit(t, s, "shop", old); got != 1 {
		t.Errorf("hit on a swept window = %d, want 1 (a new count)", got)
	}
	if got := countHit(t, s, "shop", current); got != 2 {
		t.Errorf("hit on the kept window = %d, want 2", got)
	}
}
