package cps

// moduleCandidates lists, in order of preference, the ANS Cryptolib CPS library and then
// p11-kit-proxy on macOS.
func moduleCandidates() []string {
	return []string{
		"/usr/local/lib/libcps3_pkcs11_osx.dylib",
		"/Library/Frameworks/cps3_pkcs11_osx.framework/cps3_pkcs11_osx",
		"/opt/homebrew/lib/p11-kit-proxy.dylib",
		"/usr/local/lib/p11-kit-proxy.dylib",
	}
}
