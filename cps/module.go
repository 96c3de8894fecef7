package cps

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// Module is a loaded PKCS#11 library. It is safe for concurrent use.
type Module struct {
	path string
	be   Backend

	loginMu sync.Mutex // serialises Login
	mu      sync.Mutex
	cards   map[uint]*Card // the logged-in card of each slot
}

// Reader is one slot of the module, and the card in it if any.
type Reader struct {
	Slot        uint
	Description string
	CardPresent bool
	Label       string // token label, when a card is present
	Serial      string // token serial number, when a card is present
}

// contexts holds one initialised *pkcs11.Ctx per module path for the whole process:
// C_Initialize may run only once per process (a second call fails with
// CKR_CRYPTOKI_ALREADY_INITIALIZED), and the library stays loaded until exit.
var contexts = struct {
	sync.Mutex
	m map[string]*pkcs11.Ctx
}{m: map[string]*pkcs11.Ctx{}}

// Open loads the PKCS#11 library at path and initialises it, once per process per path.
// For SoftHSM2, SOFTHSM2_CONF must be set before the first Open.
func Open(path string) (*Module, error) {
	return OpenWith(path, nil)
}

// OpenWith is Open with the module's calls routed through wrap(real module), for fault
// injection in tests. A nil wrap is Open.
func OpenWith(path string, wrap func(Backend) Backend) (*Module, error) {
	ctx, err := initialised(path)
	if err != nil {
		return nil, err
	}
	var be Backend = ctx
	if wrap != nil {
		be = wrap(be)
	}
	return &Module{path: path, be: be, cards: map[uint]*Card{}}, nil
}

// Context returns the process's initialised PKCS#11 context for the library at path,
// loading it on first use. It is for tools that write tokens (package cpstest); card code
// goes through Module.
func Context(path string) (*pkcs11.Ctx, error) {
	return initialised(path)
}

func initialised(path string) (*pkcs11.Ctx, error) {
	contexts.Lock()
	defer contexts.Unlock()
	if ctx, ok := contexts.m[path]; ok {
		return ctx, nil
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("cps: load %s: %w", path, ErrModuleNotFound)
	}
	if err := ctx.Initialize(); err != nil && !hasCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ctx.Destroy()
		return nil, fmt.Errorf("cps: initialise %s: %w", path, err)
	}
	contexts.m[path] = ctx
	return ctx, nil
}

// Path returns the library's path.
func (m *Module) Path() string { return m.path }

// Readers lists the module's slots. A slot holds a card when its token is present and
// initialised (SoftHSM always shows one blank token, which is not a card).
func (m *Module) Readers(ctx context.Context) ([]Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slots, err := m.be.GetSlotList(false)
	if err != nil {
		return nil, wrap("list slots", err)
	}
	readers := make([]Reader, 0, len(slots))
	for _, s := range slots {
		r, err := m.reader(s)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
	}
	return readers, nil
}

func (m *Module) reader(slot uint) (Reader, error) {
	si, err := m.be.GetSlotInfo(slot)
	if err != nil {
		return Reader{}, wrap(fmt.Sprintf("slot %d info", slot), err)
	}
	r := Reader{Slot: slot, Description: clean(si.SlotDescription)}
	if si.Flags&pkcs11.CKF_TOKEN_PRESENT == 0 {
		return r, nil
	}
	ti, err := m.be.GetTokenInfo(slot)
	if isRemoval(err) {
		return r, nil // pulled between the two calls
	}
	if err != nil {
		return Reader{}, wrap(fmt.Sprintf("slot %d token info", slot), err)
	}
	if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
		return r, nil
	}
	r.CardPresent = true
	r.Label = clean(ti.Label)
	r.Serial = clean(ti.SerialNumber)
	return r, nil
}

// clean trims the blank and NUL padding of PKCS#11 fixed-size strings.
func clean(s string) string {
	return strings.TrimRight(s, " \x00")
}
