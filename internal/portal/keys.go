package portal

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/keys"
)

// keyRow is a signing key as the keys page lists it.
type keyRow struct {
	keys.Info
	// Age is how long ago it was made, in the largest whole unit.
	Age string
	// Waiting is a key published but not signing yet.
	Waiting bool
}

func (p *Portal) listKeys(w http.ResponseWriter, r *http.Request) error {
	infos, err := p.client().ListKeys(r.Context())
	if err != nil {
		return err
	}
	// Newest first, and the keys of one rotation by algorithm.
	slices.SortStableFunc(infos, func(a, b keys.Info) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Algorithm, b.Algorithm)
	})
	now := p.now()
	rows := make([]keyRow, 0, len(infos))
	for _, k := range infos {
		rows = append(rows, keyRow{Info: k, Age: age(now.Sub(k.CreatedAt)), Waiting: !k.Active && now.Before(k.SignsFrom)})
	}
	v := p.view(r, "Signing keys", "keys")
	v.Data = rows
	if r.URL.Query().Get("rotated") != "" {
		v.Notice = "New keys were added."
	}
	return render(w, http.StatusOK, "keys.html", v)
}

func (p *Portal) rotateKeys(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.client().RotateKeys(r.Context()); err != nil {
		return err
	}
	return seeOther(w, r, "keys/?rotated=1")
}

// age says d in its largest whole unit: days, hours or minutes.
func age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
	return "just made"
}
