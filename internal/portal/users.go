package portal

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/devseed"
	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// userFields are the form fields the admin API's problems may name.
var userFields = []string{
	"phone_number", "pin", "given_name", "family_name", "birthdate", "nin", "email", "addresses", "app_version",
}

// userRow is a user as the list shows them.
type userRow struct {
	admin.UserResponse
	States []string
}

// states names what keeps the user from logging in as usual.
func states(u admin.UserResponse, now time.Time) []string {
	var s []string
	if !u.Active {
		s = append(s, "inactive")
	}
	if u.LockedUntil != nil {
		s = append(s, "locked out (wrong PINs)")
	}
	if flow.TooYoung(u.Birthdate, now) {
		s = append(s, "under 15")
	}
	if flow.Outdated(u.AppVersion) {
		s = append(s, "outdated app")
	}
	return s
}

func (p *Portal) listUsers(w http.ResponseWriter, r *http.Request) error {
	search := strings.TrimSpace(r.URL.Query().Get("q"))
	us, err := p.client().SearchUsers(r.Context(), search)
	if err != nil {
		return err
	}
	now := p.now()
	rows := make([]userRow, 0, len(us))
	for _, u := range us {
		rows = append(rows, userRow{u, states(u, now)})
	}
	v := p.view(r, "Test users", "users")
	v.Data = struct {
		Search string
		Users  []userRow
	}{search, rows}
	return render(w, http.StatusOK, "users.html", v)
}

// userForm is the create and edit form, as shown and as sent. The address
// is the user's default one (or first); their others are kept as they are.
type userForm struct {
	New                                        bool
	PhoneNumber, PIN                           string
	GivenName, FamilyName, Birthdate, NIN      string
	Email                                      string
	EmailVerified                              bool
	StreetAddress, PostalCode, Region, Country string
	AppVersion                                 string
	// The edit page's state buttons.
	States                             []string
	Active, Locked, TooYoung, Outdated bool
}

func userFormOf(u admin.UserRequest) userForm {
	f := userForm{
		PhoneNumber: u.PhoneNumber, PIN: u.PIN, GivenName: u.GivenName, FamilyName: u.FamilyName,
		Birthdate: u.Birthdate, NIN: u.NIN, Email: u.Email, EmailVerified: u.EmailVerified, AppVersion: u.AppVersion,
	}
	if i := defaultAddress(u.Addresses); i >= 0 {
		a := u.Addresses[i]
		f.StreetAddress, f.PostalCode, f.Region, f.Country = a.StreetAddress, a.PostalCode, a.Region, a.Country
	}
	return f
}

// defaultAddress is the index of the default address, else the first;
// -1 when there is none.
func defaultAddress(as []store.Address) int {
	if i := slices.IndexFunc(as, func(a store.Address) bool { return a.Default }); i >= 0 {
		return i
	}
	if len(as) > 0 {
		return 0
	}
	return -1
}

func readUserForm(r *http.Request, f *userForm) {
	v := func(name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
	f.PhoneNumber, f.PIN = v("phone_number"), v("pin")
	f.GivenName, f.FamilyName, f.Birthdate, f.NIN = v("given_name"), v("family_name"), v("birthdate"), v("nin")
	f.Email, f.EmailVerified = v("email"), r.PostForm.Get("email_verified") == "true"
	f.StreetAddress, f.PostalCode, f.Region, f.Country = v("street_address"), v("postal_code"), v("region"), v("country")
	f.AppVersion = v("app_version")
}

// addresses is as with the form's address in place of the default one
// (added as the home address when there was none, dropped when the form's
// is empty).
func (f userForm) addresses(as []store.Address) []store.Address {
	as = slices.Clone(as)
	i := defaultAddress(as)
	if f.StreetAddress == "" && f.PostalCode == "" && f.Region == "" && f.Country == "" {
		if i >= 0 {
			as = slices.Delete(as, i, i+1)
		}
		return nonNilAddresses(as)
	}
	if i < 0 {
		as, i = append(as, store.Address{AddressType: "home", Default: true}), len(as)
	}
	as[i].StreetAddress, as[i].PostalCode, as[i].Region, as[i].Country = f.StreetAddress, f.PostalCode, f.Region, f.Country
	return as
}

func nonNilAddresses(as []store.Address) []store.Address {
	if as == nil {
		return []store.Address{}
	}
	return as
}

// rng draws generated users, a new source for each page.
func (p *Portal) rng() *rand.Rand {
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

// newUser is the form for a new user, filled in with generated data.
func (p *Portal) newUser(w http.ResponseWriter, r *http.Request) error {
	f := userFormOf(generateUser(p.rng()))
	f.New = true
	v := p.view(r, "New test user", "users")
	v.Data = f
	return render(w, http.StatusOK, "user.html", v)
}

func (p *Portal) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := form(w, r); err != nil {
		return err
	}
	f := userForm{New: true}
	readUserForm(r, &f)
	u, err := p.client().CreateUser(r.Context(), admin.UserRequest{
		PhoneNumber: f.PhoneNumber, PIN: f.PIN, GivenName: f.GivenName, FamilyName: f.FamilyName,
		Birthdate: f.Birthdate, NIN: f.NIN, Email: f.Email, EmailVerified: f.EmailVerified,
		Addresses: f.addresses(nil), AppVersion: f.AppVersion,
	})
	if err != nil {
		v := p.view(r, "New test user", "users")
		v.Data = f
		if !showProblem(&v, err, userFields...) {
			return err
		}
		return render(w, problemStatus(err), "user.html", v)
	}
	return seeOther(w, r, "users/"+u.PhoneNumber+"/?created=1")
}

// userView is the edit page of u with the form f.
func (p *Portal) userView(r *http.Request, u admin.UserResponse, f userForm) view {
	now := p.now()
	f.PhoneNumber = u.PhoneNumber
	f.States = states(u, now)
	f.Active, f.Locked = u.Active, u.LockedUntil != nil
	f.TooYoung, f.Outdated = flow.TooYoung(u.Birthdate, now), flow.Outdated(u.AppVersion)
	v := p.view(r, u.GivenName+" "+u.FamilyName, "users")
	v.Data = f
	return v
}

func requestOf(u admin.UserResponse) admin.UserRequest {
	return admin.UserRequest{
		PhoneNumber: u.PhoneNumber, GivenName: u.GivenName, FamilyName: u.FamilyName, Birthdate: u.Birthdate,
		NIN: u.NIN, Email: u.Email, EmailVerified: u.EmailVerified, Addresses: u.Addresses, AppVersion: u.AppVersion,
	}
}

func (p *Portal) editUser(w http.ResponseWriter, r *http.Request) error {
	u, err := p.client().GetUser(r.Context(), r.PathValue("phone_number"))
	if err != nil {
		return err
	}
	v := p.userView(r, u, userFormOf(requestOf(u)))
	switch {
	case r.URL.Query().Get("created") != "":
		v.Notice = "The test user was created."
	case r.URL.Query().Get("saved") != "":
		v.Notice = "Saved."
	case r.URL.Query().Get("cancelled") != "":
		v.Notice = cancelledNotice(r.URL.Query().Get("cancelled"))
	}
	return render(w, http.StatusOK, "user.html", v)
}

func (p *Portal) updateUser(w http.ResponseWriter, r *http.Request) error {
	u, err := p.client().GetUser(r.Context(), r.PathValue("phone_number"))
	if err != nil {
		return err
	}
	if err := form(w, r); err != nil {
		return err
	}
	var f userForm
	readUserForm(r, &f)
	addresses := f.addresses(u.Addresses)
	patch := admin.UserPatch{
		GivenName: &f.GivenName, FamilyName: &f.FamilyName, Birthdate: &f.Birthdate, NIN: &f.NIN,
		Email: &f.Email, EmailVerified: &f.EmailVerified, Addresses: &addresses, AppVersion: &f.AppVersion,
	}
	if f.PIN != "" {
		patch.PIN = &f.PIN
	}
	if _, err := p.client().UpdateUser(r.Context(), u.PhoneNumber, patch); err != nil {
		v := p.userView(r, u, f)
		if !showProblem(&v, err, userFields...) {
			return err
		}
		return render(w, problemStatus(err), "user.html", v)
	}
	return seeOther(w, r, "users/"+u.PhoneNumber+"/?saved=1")
}

// setUserState is the one-click states: under 15 (born fifteen years ago
// less a day, as the seeded young user) or 30 years old again, an outdated
// app or a current one, inactive or active, and unlocked; and the user's
// pending logins cancelled (admin.Client.CancelLogins).
func (p *Portal) setUserState(w http.ResponseWriter, r *http.Request) error {
	phone := r.PathValue("phone_number")
	if err := form(w, r); err != nil {
		return err
	}
	ctx, c, now := r.Context(), p.client(), p.now()
	var patch admin.UserPatch
	switch r.PostForm.Get("state") {
	case "too_young":
		patch.Birthdate = ptr(now.AddDate(-flow.MinAge, 0, 1).Format(time.DateOnly))
	case "adult":
		patch.Birthdate = ptr(now.AddDate(-30, 0, 0).Format(time.DateOnly))
	case "outdated_app":
		patch.AppVersion = ptr(devseed.OutdatedAppVersion)
	case "current_app":
		patch.AppVersion = ptr("")
	case "inactive":
		patch.Active = ptr(false)
	case "active":
		patch.Active = ptr(true)
	case "unlock":
		if _, err := c.UnlockUser(ctx, phone); err != nil {
			return err
		}
		return seeOther(w, r, "users/"+phone+"/?saved=1")
	case "cancel_logins":
		n, err := c.CancelLogins(ctx, phone)
		if err != nil {
			return err
		}
		return seeOther(w, r, "users/"+phone+"/?cancelled="+strconv.Itoa(n))
	default:
		return &pageError{status: http.StatusBadRequest, title: "Unknown state", detail: "The form asked for a state the portal does not know."}
	}
	if patch.Birthdate != nil {
		// Keep the national identity number in step with the birth date
		// when it has one, as a real one is.
		u, err := c.GetUser(ctx, phone)
		if err != nil {
			return err
		}
		if u.NIN != "" {
			born, _ := time.Parse(time.DateOnly, *patch.Birthdate)
			patch.NIN = ptr(nationalID(p.rng(), born))
		}
	}
	if _, err := c.UpdateUser(ctx, phone, patch); err != nil {
		return err
	}
	return seeOther(w, r, "users/"+phone+"/?saved=1")
}

// cancelledNotice says how many pending logins a "Cancel pending logins"
// ended, from the count in the redirect's query.
func cancelledNotice(count string) string {
	switch n, err := strconv.Atoi(count); {
	case err != nil || n < 0:
		return "Pending logins cancelled."
	case n == 0:
		return "There was no pending login to cancel."
	case n == 1:
		return "1 pending login was cancelled: its client gets access_denied."
	default:
		return strconv.Itoa(n) + " pending logins were cancelled: their clients get access_denied."
	}
}

func ptr[T any](v T) *T { return &v }
