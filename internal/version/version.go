// Package version says which build of vippslogin is running: the one owner
// of the build information that `vippslogin version`, /healthz and the
// metrics read.
package version

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// Info is what the Go toolchain stamped into the binary.
type Info struct {
	// Version is the main module's version: a tag such as v1.2.0 when
	// built with `go install …@v1.2.0`, a pseudo-version or "(devel)" when
	// built from a checkout.
	Version string
	// Revision is the VCS commit the binary was built from (vcs.revision);
	// empty when built outside a checkout or with -buildvcs=false.
	Revision string
	// Time is the commit's time (vcs.time, RFC 3339). Go records no wall
	// clock build time, so that builds are reproducible; the commit time
	// is the build's time in every useful sense.
	Time string
	// Modified is true when the checkout had uncommitted changes
	// (vcs.modified): the binary is not exactly Revision.
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// Get returns the running binary's build information, read once.
var Get = sync.OnceValue(func() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "(unknown)"}
	}
	return fromBuildInfo(bi)
})

func fromBuildInfo(bi *debug.BuildInfo) Info {
	info := Info{Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if info.Version == "" {
		// A test binary has no main module version.
		info.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// Short is the version on one line, for a header or a log: the module
// version, then the first 12 digits of the commit and "+dirty" when the
// checkout was modified, e.g. "v1.2.0 (3f2a9c1d0e4b)" or
// "(devel) (3f2a9c1d0e4b+dirty)".
func (i Info) Short() string {
	if i.Revision == "" {
		return i.Version
	}
	rev := i.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if i.Modified {
		rev += "+dirty"
	}
	return fmt.Sprintf("%s (%s)", i.Version, rev)
}

// String is the version as `vippslogin version` prints it: one
// "name: value" line per field, the unknown ones left out.
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "version:  %s\n", i.Version)
	if i.Revision != "" {
		fmt.Fprintf(&b, "commit:   %s\n", i.Revision)
		fmt.Fprintf(&b, "modified: %t\n", i.Modified)
	}
	if i.Time != "" {
		fmt.Fprintf(&b, "time:     %s\n", i.Time)
	}
	fmt.Fprintf(&b, "go:       %s\n", i.GoVersion)
	return b.String()
}
