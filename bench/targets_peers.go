package bench

// peerTargets are the servers of other stacks that ship under the peers
// folder. Each entry is data like the Go targets; a Django entry, for
// example, would look like:
//
//	{
//		Name:    "django-gevent",
//		Command: []string{"/usr/bin/python3", "-m", "gunicorn", "--bind", "{addr}", ...},
//		Env:     []string{"IOBENCH_REDIS={redis}", "IOBENCH_KEY={key}", "IOBENCH_DELAY={delay}", ...},
//		Dir:     "{peers}/django",
//		Requires: []Requirement{{
//			Command: []string{"/usr/bin/python3", "-c", "import django, gunicorn, gevent, redis"},
//			Missing: "Django, gunicorn, gevent or redis-py is missing for /usr/bin/python3",
//			Install: "sudo peers/install.sh",
//		}},
//		Versions: []VersionProbe{{Name: "django", Command: []string{"/usr/bin/python3", "-c", "import django; print(django.get_version())"}}},
//	}
var peerTargets []Target
