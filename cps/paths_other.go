//go:build !linux && !darwin && !windows

package cps

// moduleCandidates: the ANS ships no Cryptolib for this OS; only p11-kit-proxy may exist.
func moduleCandidates() []string {
	return []string{
		"/usr/local/lib/p11-kit-proxy.so",
		"/usr/lib/p11-kit-proxy.so",
	}
}
