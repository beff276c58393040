package bench

// djangoPython is the interpreter of the Django targets. Debian's python3
// imports Debian's Django, gunicorn, gevent and redis-py, but a pyenv or
// virtualenv python3 earlier on PATH cannot.
const djangoPython = "/usr/bin/python3"

// peerEnv passes the run's settings to a peer, which reads the same
// IOBENCH_* variables as iobench serve.
var peerEnv = []string{
	"IOBENCH_REDIS={redis}",
	"IOBENCH_KEY={key}",
	"IOBENCH_DELAY={delay}",
	"IOBENCH_DELAY_RATIO={delay_ratio}",
	"IOBENCH_DELAY_SEED={delay_seed}",
}

// djangoGunicorn returns the gunicorn command line of the Django peer
// with the worker options of one run mode.
func djangoGunicorn(workerOptions ...string) []string {
	// gunicorn.conf.py numbers the workers, so that with a fixed
	// -delay-seed each worker draws its own delay decisions.
	argv := []string{
		djangoPython, "-m", "gunicorn",
		"-c", "{peers}/django/gunicorn.conf.py",
		"--chdir", "{peers}/django", "iobenchpeer.wsgi",
		"--bind", "{addr}",
	}
	return append(argv, workerOptions...)
}

// peersInstall is the fix for a missing peers folder: -peers defaults to
// "peers", relative to the working directory.
const peersInstall = "-peers <iobench checkout>/peers, or run from the checkout's root"

// peerFile returns the check that the -peers folder contains file, so a
// run from another directory reports the target as not run instead of
// failing at start.
func peerFile(file string) Requirement {
	return Requirement{
		File:    "{peers}/" + file,
		Missing: "{peers}/" + file + " not found",
		Install: peersInstall,
	}
}

// djangoRequires returns the checks that the Django project exists and
// that /usr/bin/python3 imports modules.
func djangoRequires(modules, missing string) []Requirement {
	return []Requirement{
		peerFile("django/gunicorn.conf.py"),
		peerFile("django/iobenchpeer/wsgi.py"),
		{
			Command: []string{djangoPython, "-c", "import " + modules},
			Missing: missing + " is missing for " + djangoPython,
			Install: "sudo peers/install.sh",
		},
	}
}

// pythonVersion returns the probe of a module's version in djangoPython.
func pythonVersion(name, expr string) VersionProbe {
	return VersionProbe{Name: name, Command: []string{djangoPython, "-c", "print(" + expr + ")"}}
}

// djangoVersions are the versions recorded for both Django targets.
var djangoVersions = []VersionProbe{
	pythonVersion("python", "__import__('platform').python_version()"),
	pythonVersion("django", "__import__('django').get_version()"),
	pythonVersion("gunicorn", "__import__('gunicorn').__version__"),
	pythonVersion("redis-py", "__import__('redis').__version__"),
}

// rustBinary is the Rust peer built by peers/rust/vendor-debian.sh or by
// cargo build --release in peers/rust.
const rustBinary = "{peers}/rust/target/release/iobench-rust"

// rustVersion returns the probe of one component version that the Rust
// peer recorded when it was built.
func rustVersion(name string) VersionProbe {
	return VersionProbe{Name: name, Command: []string{rustBinary, "--version", name}}
}

// peerTargets are the servers of other stacks that ship under the peers
// folder, run the way the original experiment ran them.
var peerTargets = []Target{
	{
		Name:        "django-sync",
		Description: "Django + redis-py under gunicorn, 4 workers x 8 threads",
		Command:     djangoGunicorn("--workers", "4", "--threads", "8"),
		Env:         peerEnv,
		Requires:    djangoRequires("django, gunicorn, redis", "Django, gunicorn or redis-py"),
		Versions:    djangoVersions,
	},
	{
		Name:        "django-gevent",
		Description: "Django + redis-py under gunicorn, 2 gevent workers",
		// gunicorn's gevent worker monkey-patches before it loads the
		// app, so redis-py's sockets are cooperative; --preload would
		// load the app before the patch.
		Command:  djangoGunicorn("--worker-class", "gevent", "--workers", "2"),
		Env:      peerEnv,
		Requires: djangoRequires("django, gunicorn, gevent, redis", "Django, gunicorn, gevent or redis-py"),
		Versions: append(djangoVersions[:len(djangoVersions):len(djangoVersions)],
			pythonVersion("gevent", "__import__('gevent').__version__")),
	},
	{
		Name:        "rust",
		Description: "axum + redis-rs (tokio, multiplexed connection)",
		Command:     []string{rustBinary},
		Env:         append(peerEnv[:len(peerEnv):len(peerEnv)], "IOBENCH_ADDR={addr}"),
		Requires: []Requirement{peerFile("rust/Cargo.toml"), {
			File:    rustBinary,
			Missing: "the Rust peer is not built (" + rustBinary + ")",
			Install: "peers/rust/vendor-debian.sh (Debian's crates, offline) or cargo build --release in peers/rust (crates.io)",
		}},
		Versions: []VersionProbe{rustVersion("rustc"), rustVersion("axum"), rustVersion("redis"), rustVersion("tokio")},
	},
}
