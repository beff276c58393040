package redisclient

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"redis://user@127.0.0.1:6379/0", "redis://user@127.0.0.1:6379/0"},
		{"redis://user:secret@127.0.0.1:6379/0", "redis://user:xxxxx@127.0.0.1:6379/0"},
		{"redis://:secret@127.0.0.1:6379/0", "redis://:xxxxx@127.0.0.1:6379/0"},
		{"redis://user:12?x@127.0.0.1:6379/0", "redis://user:xxxxx@127.0.0.1:6379/0"},
		{"redis://user:a@b@127.0.0.1:6379/0", "redis://user:xxxxx@127.0.0.1:6379/0"},
		{"user:secret@127.0.0.1", "user:secret@127.0.0.1"},
	} {
		if got := redactURL(tc.raw); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func FuzzRedactURL(f *testing.F) {
	for _, password := range []string{"secret", "12?x", "a@b", "p/w#1", "%zz", ":"} {
		f.Add(password)
	}
	f.Fuzz(func(t *testing.T, password string) {
		raw := "redis://user:" + password + "@127.0.0.1:6379/0"
		got := redactURL(raw)

		// The password may only show where it is part of the redacted text.
		if strings.Contains(got, password) && !strings.Contains("redis://user:xxxxx@127.0.0.1:6379/0", password) {
			t.Errorf("redactURL(%q) = %q shows the password", raw, got)
		}
	})
}
