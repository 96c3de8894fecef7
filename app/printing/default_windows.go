//go:build windows

package printing

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Default is the workstation's printing system: the Windows spooler, through the shell.
func Default() System { return Shell{} }

// Shell prints with the shell's verbs: "printto" for a chosen printer, "print" for the
// default one; the application registered for the file's type (the PDF reader, the photo
// viewer, Notepad) does the printing. The spooler gives no job id back.
type Shell struct{}

var (
	winspool              = windows.NewLazySystemDLL("winspool.drv")
	procEnumPrintersW     = winspool.NewProc("EnumPrintersW")
	procGetDefaultPrinter = winspool.NewProc("GetDefaultPrinterW")
	shell32               = windows.NewLazySystemDLL("shell32.dll")
	procShellExecuteW     = shell32.NewProc("ShellExecuteW")
)

const (
	printerEnumLocal       = 0x2
	printerEnumConnections = 0x4
	seErrNoAssoc           = 31 // SE_ERR_NOASSOC
	seErrFileNotFound      = 2
	swHide                 = 0
)

// printerInfo4 is PRINTER_INFO_4W.
type printerInfo4 struct {
	PrinterName *uint16
	ServerName  *uint16
	Attributes  uint32
}

// Printers lists the local and connected printers, the default one first.
func (Shell) Printers(ctx context.Context) ([]Printer, error) {
	if err := procEnumPrintersW.Find(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPrintSystem, err)
	}
	var needed, returned uint32
	flags := uintptr(printerEnumLocal | printerEnumConnections)
	procEnumPrintersW.Call(flags, 0, 4, 0, 0, uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&returned)))
	if needed == 0 {
		return nil, fmt.Errorf("%w: EnumPrinters lists none", ErrNoPrinter)
	}
	buf := make([]byte, needed)
	r, _, e := procEnumPrintersW.Call(flags, 0, 4, uintptr(unsafe.Pointer(&buf[0])), uintptr(needed),
		uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&returned)))
	if r == 0 {
		return nil, fmt.Errorf("printing: EnumPrinters: %w", e)
	}
	def := defaultPrinter()
	infos := unsafe.Slice((*printerInfo4)(unsafe.Pointer(&buf[0])), returned)
	var list []Printer
	for _, in := range infos {
		name := windows.UTF16PtrToString(in.PrinterName)
		p := Printer{Name: name, Default: name == def}
		if p.Default {
			list = append([]Printer{p}, list...)
		} else {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: EnumPrinters lists none", ErrNoPrinter)
	}
	return list, nil
}

func defaultPrinter() string {
	var n uint32
	procGetDefaultPrinter.Call(0, uintptr(unsafe.Pointer(&n)))
	if n == 0 {
		return ""
	}
	buf := make([]uint16, n)
	if r, _, _ := procGetDefaultPrinter.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n))); r == 0 {
		return ""
	}
	return windows.UTF16ToString(buf)
}

// Print hands path to the application registered for its type, with the "printto" verb
// and the printer's name, or the "print" verb for the default printer.
func (Shell) Print(ctx context.Context, path, printer, title string) (Job, error) {
	verb, args := "print", ""
	if printer != "" {
		verb, args = "printto", `"`+printer+`"`
	}
	u := func(s string) *uint16 {
		if s == "" {
			return nil
		}
		p, _ := syscall.UTF16PtrFromString(s)
		return p
	}
	r, _, e := procShellExecuteW.Call(0, uintptr(unsafe.Pointer(u(verb))), uintptr(unsafe.Pointer(u(path))),
		uintptr(unsafe.Pointer(u(args))), uintptr(unsafe.Pointer(u(filepath.Dir(path)))), swHide)
	switch {
	case r == seErrNoAssoc:
		return Job{}, fmt.Errorf("%w: %s", ErrNoApplication, filepath.Ext(path))
	case r <= 32 && printer != "":
		// Some applications know "print" only: the default printer then.
		if r2, _, e2 := procShellExecuteW.Call(0, uintptr(unsafe.Pointer(u("print"))), uintptr(unsafe.Pointer(u(path))),
			0, uintptr(unsafe.Pointer(u(filepath.Dir(path)))), swHide); r2 > 32 {
			return Job{Printer: defaultPrinter()}, nil
		} else if r2 == seErrNoAssoc {
			return Job{}, fmt.Errorf("%w: %s", ErrNoApplication, filepath.Ext(path))
		} else {
			return Job{}, fmt.Errorf("printing: ShellExecute print: %d: %w", r2, e2)
		}
	case r <= 32:
		return Job{}, fmt.Errorf("printing: ShellExecute %s: %d: %w", verb, r, e)
	}
	if printer == "" {
		printer = defaultPrinter()
	}
	return Job{Printer: printer}, nil
}
