// Package cliflag parses iobench command lines: flags, their IOBENCH_*
// environment variables, and the usage errors that make the binary exit 2.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// EnvPrefix starts the name of every environment variable that sets a flag.
const EnvPrefix = "IOBENCH_"

// UsageError reports a bad command line or a bad environment variable. The
// binary prints it with a pointer to -h and exits 2.
type UsageError struct {
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }

func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// IsUsage reports whether err is or wraps a *UsageError or flag.ErrHelp.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u) || errors.Is(err, flag.ErrHelp)
}

// EnvName returns the environment variable for a flag name:
// "redis-timeout" becomes "IOBENCH_REDIS_TIMEOUT".
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse sets the flags of fs from their environment variables first, then
// from args, so a flag on the command line wins over the environment.
// getenv is usually os.Getenv. Errors are *UsageError, or flag.ErrHelp for
// -h. fs must use flag.ContinueOnError.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if envErr != nil {
			return
		}
		name := EnvName(f.Name)
		value := getenv(name)
		if value == "" {
			return
		}
		if err := fs.Set(f.Name, value); err != nil {
			envErr = Usagef("invalid value %q for %s (sets -%s): %v", value, name, f.Name, err)
		}
	})
	if envErr != nil {
		return envErr
	}

	// The flag package prints its own message on a parse error; keep it
	// quiet and return the error so the caller prints it once.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return flag.ErrHelp
	}
	if err != nil {
		return &UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q: %s takes only flags", fs.Arg(0), fs.Name())
	}
	return nil
}
