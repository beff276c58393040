package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/iobench/iobench/internal/cliflag"
)

// invalidValueError is a flag value that parsed but is out of bounds.
type invalidValueError struct {
	flag string
	val  any
	want string
	env  string // the environment variable that set the value, if any
}

func (e *invalidValueError) Error() string {
	source := "-" + e.flag
	if e.env != "" {
		source = fmt.Sprintf("%s (sets -%s)", e.env, e.flag)
	}
	return fmt.Sprintf("invalid value %q for %s: want %s", fmt.Sprint(e.val), source, e.want)
}

// explainParseError returns the message of err, a flag parse error, with
// the flag package's bare "parse error" or "value out of range" replaced by
// the expected form, taken from the flag's type and default value.
func explainParseError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	var form string
	fs.VisitAll(func(f *flag.Flag) {
		named := strings.Contains(msg, "flag -"+f.Name+":") || // most flags
			strings.Contains(msg, "for -"+f.Name+":") || // boolean flags
			strings.Contains(msg, "(sets -"+f.Name+")") // environment variables
		if form == "" && named {
			form = expectedForm(f)
		}
	})
	if form == "" {
		return msg
	}
	for _, bare := range []string{": parse error", ": value out of range"} {
		if strings.HasSuffix(msg, bare) {
			return strings.TrimSuffix(msg, bare) + ": want " + form
		}
	}
	return msg + "; want " + form
}

// expectedForm describes the values f accepts, from its type and default.
func expectedForm(f *flag.Flag) string {
	switch f.Value.(flag.Getter).Get().(type) {
	case time.Duration:
		return fmt.Sprintf("a Go duration with a unit, such as %s", f.DefValue)
	case int, int64:
		return fmt.Sprintf("a whole number, such as %s", f.DefValue)
	case uint64:
		return fmt.Sprintf("a whole number of 0 or more, such as %s", f.DefValue)
	case float64:
		return fmt.Sprintf("a number, such as %s", f.DefValue)
	case bool:
		return "true or false"
	}
	return "a " + f.Name + " value as -h describes"
}

// nameEnvSource rewrites an invalid value error for a flag that the
// environment set, not the command line, so that it names the variable.
func nameEnvSource(err error, args []string) error {
	var inv *invalidValueError
	if !errors.As(err, &inv) {
		return err
	}
	cmdline := newFlagSet(&Config{})
	cmdline.SetOutput(io.Discard)
	if cmdline.Parse(args) != nil {
		return err
	}
	onCmdline := false
	cmdline.Visit(func(f *flag.Flag) { onCmdline = onCmdline || f.Name == inv.flag })
	if !onCmdline {
		inv.env = cliflag.EnvName(inv.flag)
	}
	return err
}
