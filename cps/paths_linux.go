package cps

// moduleCandidates lists, in order of preference, the ANS Cryptolib CPS library and then
// p11-kit-proxy on Linux.
func moduleCandidates() []string {
	return []string{
		"/usr/lib64/libcps3_pkcs11_lux.so",
		"/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so",
		"/usr/lib/libcps3_pkcs11_lux.so",
		"/usr/local/lib/libcps3_pkcs11_lux.so",
		"/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
		"/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so",
		"/usr/lib64/p11-kit-proxy.so",
		"/usr/lib/p11-kit-proxy.so",
	}
}
