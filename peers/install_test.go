package peers_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// installPackages are the apt packages peers/install.sh installs when
// they are missing. The test runs the script only where all are present,
// so it never installs anything.
var installPackages = []string{"python3-django", "gunicorn", "python3-gevent", "python3-redis", "debian-archive-keyring"}

// TestInstallSkipsFreshRustBuild runs a copy of install.sh beside a copy of
// the Rust sources. With a binary newer than the sources, it skips the
// build and never contacts the unreachable mirror. Once a source is newer,
// it starts the build again, which fails because the copy has no
// vendor-debian.sh.
func TestInstallSkipsFreshRustBuild(t *testing.T) {
	requireInstallable(t)
	dir := peersDir(t)
	copyDir := t.TempDir()
	for _, file := range []string{"install.sh", "rust/Cargo.toml", "rust/build.rs", "rust/src/main.rs"} {
		copyFile(t, filepath.Join(dir, file), filepath.Join(copyDir, file))
	}
	binary := filepath.Join(copyDir, "rust", "target", "release", "iobench-rust")
	copyFile(t, filepath.Join(dir, "install.sh"), binary) // any executable file
	old := time.Now().Add(-time.Hour)
	for _, file := range []string{"rust/Cargo.toml", "rust/build.rs", "rust/src/main.rs", "rust/src"} {
		if err := os.Chtimes(filepath.Join(copyDir, file), old, old); err != nil {
			t.Fatal(err)
		}
	}

	out, err := runInstall(copyDir)
	if err != nil {
		t.Fatalf("install.sh with a fresh binary: %v\n%s", err, out)
	}
	if !strings.Contains(out, "the Rust peer is up to date") {
		t.Errorf("install.sh with a fresh binary: output lacks \"the Rust peer is up to date\":\n%s", out)
	}

	now := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(copyDir, "rust", "src", "main.rs"), now, now); err != nil {
		t.Fatal(err)
	}
	out, err = runInstall(copyDir)
	if err == nil || strings.Contains(out, "up to date") || !strings.Contains(out, "vendor-debian.sh") {
		t.Errorf("install.sh with a changed source: error %v, want a failed start of vendor-debian.sh:\n%s", err, out)
	}
}

// runInstall runs install.sh in dir with an unreachable Debian mirror, so
// any fetch fails.
func runInstall(dir string) (string, error) {
	cmd := exec.Command("bash", filepath.Join(dir, "install.sh"))
	cmd.Env = append(os.Environ(), "IOBENCH_DEBIAN_MIRROR=http://127.0.0.1:1/debian")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// requireInstallable skips the test unless install.sh would install no
// package and may run apt-get (as root or through sudo).
func requireInstallable(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("skipping: dpkg-query not found (install.sh supports Debian and Ubuntu)")
	}
	if _, err := exec.LookPath("sudo"); err != nil && os.Getuid() != 0 {
		t.Skip("skipping: install.sh needs root or sudo")
	}
	for _, pkg := range installPackages {
		status, err := exec.Command("dpkg-query", "-W", "-f=${Status}", pkg).Output()
		if err != nil || string(status) != "install ok installed" {
			t.Skipf("skipping: %s is not installed and the test must not install it; run peers/install.sh", pkg)
		}
	}
}

// copyFile copies src to dst with src's mode, creating dst's folder.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, info.Mode()); err != nil {
		t.Fatal(err)
	}
}
