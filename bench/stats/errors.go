package stats

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Failure kinds. A result with status 0 got no HTTP response at all. Its
// error text gives the cause, and Classify maps it to one of these kinds.
const (
	KindTimeout      = "timeout"
	KindRefused      = "connection refused"
	KindReset        = "connection reset"
	KindClosed       = "connection closed"
	KindTooManyFiles = "too many open files"
	KindNoPorts      = "no free local port"
	KindStopped      = "stopped by the harness"
	KindOther        = "other"
)

// kindRule maps error texts that contain any of match to a kind.
type kindRule struct {
	kind        string
	match       []string
	explanation string
}

// rules are tried in order; the first match wins. The texts are those of
// Go's net and net/http packages, as vegeta stores them.
var rules = []kindRule{
	{KindStopped, []string{"use of closed network connection", "attack stopped"},
		"the harness closed the connection because the run was interrupted"},
	{KindTooManyFiles, []string{"too many open files"},
		"the attacker ran out of file descriptors; raise the limit with ulimit -n"},
	{KindNoPorts, []string{"cannot assign requested address"},
		"the attacker ran out of local ports for new connections"},
	{KindTimeout, []string{"Client.Timeout", "deadline exceeded", "i/o timeout", "timeout awaiting"},
		"no complete response within -timeout: the server queued or stalled the request"},
	{KindRefused, []string{"connection refused"},
		"nothing listened on the port: the server had exited or not yet started"},
	{KindReset, []string{"connection reset", "broken pipe"},
		"the server aborted the connection (killed, crashed, or its accept queue overflowed)"},
	{KindClosed, []string{"EOF", "server closed idle connection"},
		"the server closed the connection before it sent a response"},
}

// Group counts the failures of one kind.
type Group struct {
	// Kind is a Kind constant, or "HTTP <code>" for an error status.
	Kind string `json:"kind"`
	// Count is the number of results of this kind.
	Count int `json:"count"`
	// Explanation is the meaning of the kind for a load test.
	Explanation string `json:"explanation"`
	// Example is one error text of this kind, as the client reported it.
	Example string `json:"example"`
}

// Classify returns the failure kind of a result with status code and error
// text, and what it means. A result without error text has kind "".
func Classify(code uint16, errText string) (kind, explanation string) {
	if errText == "" {
		return "", ""
	}
	if code != 0 {
		return "HTTP " + strconv.Itoa(int(code)),
			"the server answered with an error status"
	}
	for _, r := range rules {
		for _, m := range r.match {
			if strings.Contains(errText, m) {
				return r.kind, r.explanation
			}
		}
	}
	return KindOther, "no response; see the example error"
}

// Grouper counts status codes and groups error texts by kind.
// The zero value is ready to use.
type Grouper struct {
	codes  map[string]int
	groups map[string]*Group
}

// Add counts one result.
func (g *Grouper) Add(code uint16, errText string) {
	if g.codes == nil {
		g.codes = map[string]int{}
		g.groups = map[string]*Group{}
	}
	g.codes[strconv.Itoa(int(code))]++

	kind, explanation := Classify(code, errText)
	if kind == "" {
		return
	}
	grp := g.groups[kind]
	if grp == nil {
		grp = &Group{Kind: kind, Explanation: explanation, Example: errText}
		g.groups[kind] = grp
	}
	grp.Count++
}

// StatusCodes returns the number of results per status code ("0" for no
// response), like vegeta's report.
func (g *Grouper) StatusCodes() map[string]int {
	out := make(map[string]int, len(g.codes))
	for k, v := range g.codes {
		out[k] = v
	}
	return out
}

// Groups returns the failure groups, the most frequent first.
func (g *Grouper) Groups() []Group {
	out := make([]Group, 0, len(g.groups))
	for _, grp := range g.groups {
		out = append(out, *grp)
	}
	slices.SortFunc(out, func(a, b Group) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	return out
}
