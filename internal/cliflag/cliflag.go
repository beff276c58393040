// Package cliflag parses iobench command lines: flags, their IOBENCH_*
// environment variables, and the usage errors that make the binary exit 2.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
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

// Redactor is implemented by a flag.Value whose input can contain a
// secret, such as the password in a Redis URL. Parse shows the input of
// such a flag in its errors only as Redact returns it.
type Redactor interface {
	Redact(input string) string
}

// EnvName returns the environment variable for a flag name:
// "redis-timeout" becomes "IOBENCH_REDIS_TIMEOUT".
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse sets the flags of fs from args, then sets each flag that args
// left unset from its environment variable, so a flag on the command line
// wins over the environment and a bad variable it overrides is never read.
// getenv is usually os.Getenv. Errors are *UsageError, or flag.ErrHelp for
// -h. fs must use flag.ContinueOnError.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
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
		return &UsageError{Err: errors.New(redactArgs(fs, args, err.Error()))}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q: %s takes only flags", fs.Arg(0), fs.Name())
	}
	return setFromEnv(fs, getenv)
}

// setFromEnv sets each flag of fs that the command line did not set from
// its environment variable, when that is not empty.
func setFromEnv(fs *flag.FlagSet, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if envErr != nil || set[f.Name] {
			return
		}
		name := EnvName(f.Name)
		value := getenv(name)
		if value == "" {
			return
		}
		if err := fs.Set(f.Name, value); err != nil {
			if r, ok := f.Value.(Redactor); ok {
				value = r.Redact(value)
			}
			envErr = Usagef("invalid value %q for %s (sets -%s): %v", value, name, f.Name, err)
		}
	})
	return envErr
}

// redactArgs returns msg, a flag parse error, with every quoted argument,
// or value after "=" in an argument, passed through the Redact of each
// Redactor flag of fs. The flag package quotes the rejected value with %q,
// so only that text is replaced.
func redactArgs(fs *flag.FlagSet, args []string, msg string) string {
	var redactors []Redactor
	fs.VisitAll(func(f *flag.Flag) {
		if r, ok := f.Value.(Redactor); ok {
			redactors = append(redactors, r)
		}
	})
	for _, arg := range args {
		values := []string{arg}
		if _, value, ok := strings.Cut(arg, "="); ok {
			values = append(values, value)
		}
		for _, value := range values {
			for _, r := range redactors {
				if redacted := r.Redact(value); redacted != value {
					msg = strings.ReplaceAll(msg, strconv.Quote(value), strconv.Quote(redacted))
				}
			}
		}
	}
	return msg
}
