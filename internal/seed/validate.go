package seed

import (
	"errors"
	"fmt"
	"strings"
)

// Validate checks what only a seed file needs: the ids that name each
// item (a client's client_id and client_secret, a QR code's qr_id, a
// user's phone_number and pin, a consent's client_id) are given, and none
// is given twice. Everything else (a URI's form, a scope's spelling, a
// birthdate) is the admin API's to check, once, when Apply sends it. The
// mistakes are all reported at once, joined, each naming its item.
func (f File) Validate() error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, f.errorf(path, format, args...))
	}
	clients, qrIDs := map[string]string{}, map[string]string{}
	for i, c := range f.Clients {
		path := fmt.Sprintf("clients[%d]", i)
		switch first, dup := clients[c.ClientID]; {
		case strings.TrimSpace(c.ClientID) == "":
			add(path+".client_id", "is required: the id the client logs in with, by which a second start finds it")
		case dup:
			add(path+".client_id", "%q is also %s's; each client is listed once", c.ClientID, first)
		default:
			clients[c.ClientID] = path
		}
		if c.ClientSecret == "" {
			add(path+".client_secret", "is required: a seeded client has a fixed secret, which the merchant's configuration holds")
		}
		for j, q := range c.QRCodes {
			qpath := fmt.Sprintf("%s.qr_codes[%d]", path, j)
			switch first, dup := qrIDs[q.QRID]; {
			case q.QRID == "":
				add(qpath+".qr_id", "is required: 8 letters and digits, what the printed code holds, by which a second start finds it")
			case dup:
				add(qpath+".qr_id", "%q is also %s's; a qr_id names one code of one client", q.QRID, first)
			default:
				qrIDs[q.QRID] = qpath
			}
		}
	}
	users := map[string]string{}
	for i, u := range f.Users {
		path := fmt.Sprintf("users[%d]", i)
		switch first, dup := users[u.PhoneNumber]; {
		case u.PhoneNumber == "":
			add(path+".phone_number", "is required: the user's MSISDN, such as 4712345678, by which a second start finds them")
		case dup:
			add(path+".phone_number", "%s is also %s's; each user is listed once", u.PhoneNumber, first)
		default:
			users[u.PhoneNumber] = path
		}
		if u.PIN == "" {
			add(path+".pin", "is required: the 4–6 digits the user signs in to the app with")
		}
		given := map[string]string{}
		for j, c := range u.Consents {
			cpath := fmt.Sprintf("%s.consents[%d]", path, j)
			switch first, dup := given[c.ClientID]; {
			case c.ClientID == "":
				add(cpath+".client_id", "is required: the client the user consented to")
			case dup:
				add(cpath+".client_id", "%q is also %s's; a user has one consent per client", c.ClientID, first)
			default:
				given[c.ClientID] = cpath
			}
		}
	}
	return errors.Join(errs...)
}

// errorf is an error about the item at path, with the file and the line
// where the item (or the nearest item around it) starts.
func (f File) errorf(path, format string, args ...any) error {
	return fmt.Errorf("%s%s", at(f.name, f.line(path), path), fmt.Sprintf(format, args...))
}

// line is where the item at path starts, or the item around it when the
// file does not have path itself (a key left out); 0 for a File built in
// Go.
func (f File) line(path string) int {
	for p := path; p != ""; {
		if l, ok := f.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}
