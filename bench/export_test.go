package bench

// SetPeerTargets replaces the peer targets for a test and returns a function
// that restores them.
func SetPeerTargets(ts []Target) (restore func()) {
	saved := peerTargets
	peerTargets = ts
	return func() { peerTargets = saved }
}
