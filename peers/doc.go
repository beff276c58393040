// Package peers holds the tests of the peer servers in this folder: the
// Django project (django/) and the Rust server (rust/) that iobench bench
// runs beside the Go service as the targets django-sync, django-gevent
// and rust. The servers themselves are Python and Rust; see README.md.
package peers
