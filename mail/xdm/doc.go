// Package xdm reads and writes IHE XDM packages (IHE_XDM.ZIP).
package xdm
