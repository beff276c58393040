package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/iobench/iobench/internal/cliflag"
)

// printFlags lists every flag of fs with its value form, its help text, its
// default and, when withEnv, its environment variable. It reads the flags
// themselves, so the list cannot drift from what the command accepts.
func printFlags(w io.Writer, fs *flag.FlagSet, withEnv bool) {
	fs.VisitAll(func(f *flag.Flag) {
		form, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  -%s %s\n", f.Name, form)
		fmt.Fprintf(w, "      %s\n", usage)
		def := f.DefValue
		if def == "" {
			def = `""`
		}
		if withEnv {
			fmt.Fprintf(w, "      default %s, env %s\n", def, cliflag.EnvName(f.Name))
		} else {
			fmt.Fprintf(w, "      default %s\n", def)
		}
	})
}

// printCommandUsage writes the help of one subcommand: a usage line, a
// description, the flags and examples.
func printCommandUsage(w io.Writer, prog string, fs *flag.FlagSet, withEnv bool, about string, examples []string) {
	fmt.Fprintf(w, "Usage: %s %s [flags]\n\n", prog, fs.Name())
	fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(about))
	if withEnv {
		fmt.Fprintf(w, "Flags (each also read from its environment variable; a flag wins):\n")
	} else {
		fmt.Fprintf(w, "Flags:\n")
	}
	printFlags(w, fs, withEnv)
	fmt.Fprintf(w, "\nExamples:\n")
	for _, e := range examples {
		fmt.Fprintf(w, "  %s\n", withName(e, prog))
	}
}

// withName puts the program name prog in place of {name} in an example.
func withName(example, prog string) string {
	return strings.ReplaceAll(example, "{name}", prog)
}

// usageError wraps a flag error of command name of program prog as a
// *cliflag.UsageError that points to the command's help.
func usageError(prog, name string, err error) error {
	return &cliflag.UsageError{Err: fmt.Errorf("%s: %w (run '%s %s -h' to list the flags)", name, err, prog, name)}
}
