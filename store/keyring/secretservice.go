//go:build !windows && !darwin

package keyring

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"

	"comptoir/store"
)

// The freedesktop Secret Service API (specifications.freedesktop.org/secret-service).
const (
	ssName          = "org.freedesktop.secrets"
	ssPath          = dbus.ObjectPath("/org/freedesktop/secrets")
	ssService       = "org.freedesktop.Secret.Service"
	ssCollection    = "org.freedesktop.Secret.Collection"
	ssItem          = "org.freedesktop.Secret.Item"
	ssSession       = "org.freedesktop.Secret.Session"
	ssLabelProp     = "org.freedesktop.Secret.Item.Label"
	ssAttributeProp = "org.freedesktop.Secret.Item.Attributes"
	noPrompt        = dbus.ObjectPath("/")
	schemaAttr      = "xdg:schema"
	schemaName      = "fr.comptoir.CacheKey"
)

// ssSecret is the Secret struct of the API: (oayays).
type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// SecretService keeps secrets in the default collection of the Secret Service on a D-Bus
// connection, one item per account, found by its attributes (schema, service, account).
// Secrets cross the bus in a "plain" session: the bus is private to the user, who can ask
// the service for them anyway. A locked collection is not unlocked (that would pop up a
// prompt): it is reported as store.ErrKeyringUnavailable.
type SecretService struct {
	conn    *dbus.Conn
	service string
}

// NewSecretService uses conn (which the caller closes) and names entries with service
// ("" means Service).
func NewSecretService(conn *dbus.Conn, service string) *SecretService {
	if service == "" {
		service = Service
	}
	return &SecretService{conn: conn, service: service}
}

// OpenSecretService connects to the session bus ($DBUS_SESSION_BUS_ADDRESS). Close it.
func OpenSecretService() (*SecretService, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("keyring: %w: session D-Bus: %w", store.ErrKeyringUnavailable, err)
	}
	return NewSecretService(conn, ""), nil
}

// Close closes the D-Bus connection.
func (s *SecretService) Close() error { return s.conn.Close() }

func (s *SecretService) attrs(account string) map[string]string {
	return map[string]string{schemaAttr: schemaName, "service": s.service, "account": account}
}

func (s *SecretService) call(ctx context.Context, path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return s.conn.Object(ssName, path).CallWithContext(ctx, method, 0, args...)
}

// fail wraps a D-Bus failure as the store unavailable.
func fail(what string, err error) error {
	return fmt.Errorf("keyring: secret service: %s: %w: %w", what, store.ErrKeyringUnavailable, err)
}

// openSession opens a plain session; close it with closeSession.
func (s *SecretService) openSession(ctx context.Context) (dbus.ObjectPath, error) {
	var out dbus.Variant
	var session dbus.ObjectPath
	if err := s.call(ctx, ssPath, ssService+".OpenSession", "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		return "", fail("open session", err)
	}
	return session, nil
}

func (s *SecretService) closeSession(ctx context.Context, session dbus.ObjectPath) {
	s.call(ctx, session, ssSession+".Close") // best effort: the service drops it with the connection
}

// search returns the unlocked items of account, or why they cannot be used.
func (s *SecretService) search(ctx context.Context, account string) ([]dbus.ObjectPath, error) {
	var unlocked, locked []dbus.ObjectPath
	if err := s.call(ctx, ssPath, ssService+".SearchItems", s.attrs(account)).Store(&unlocked, &locked); err != nil {
		return nil, fail("search", err)
	}
	if len(unlocked) == 0 && len(locked) > 0 {
		return nil, fmt.Errorf("keyring: secret service: %w: the keyring holding %s is locked", store.ErrKeyringUnavailable, account)
	}
	return unlocked, nil
}

// Get returns the secret of account.
func (s *SecretService) Get(ctx context.Context, account string) ([]byte, error) {
	items, err := s.search(ctx, account)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("keyring: secret service: %s: %w", account, store.ErrSecretNotFound)
	}
	session, err := s.openSession(ctx)
	if err != nil {
		return nil, err
	}
	defer s.closeSession(ctx, session)
	var secrets map[dbus.ObjectPath]ssSecret
	if err := s.call(ctx, ssPath, ssService+".GetSecrets", items[:1], session).Store(&secrets); err != nil {
		return nil, fail("get secret", err)
	}
	sec, ok := secrets[items[0]]
	if !ok {
		return nil, fmt.Errorf("keyring: secret service: %w: no secret returned for %s", store.ErrKeyringUnavailable, account)
	}
	return sec.Value, nil
}

// Set stores or replaces the secret of account in the default collection.
func (s *SecretService) Set(ctx context.Context, account string, secret []byte) error {
	var coll dbus.ObjectPath
	if err := s.call(ctx, ssPath, ssService+".ReadAlias", "default").Store(&coll); err != nil {
		return fail("default collection", err)
	}
	if coll == noPrompt {
		return fmt.Errorf("keyring: secret service: %w: no default collection", store.ErrKeyringUnavailable)
	}
	var locked dbus.Variant
	if err := s.call(ctx, coll, "org.freedesktop.DBus.Properties.Get", ssCollection, "Locked").Store(&locked); err != nil {
		return fail("collection state", err)
	}
	if l, _ := locked.Value().(bool); l {
		return fmt.Errorf("keyring: secret service: %w: the default collection is locked", store.ErrKeyringUnavailable)
	}
	session, err := s.openSession(ctx)
	if err != nil {
		return err
	}
	defer s.closeSession(ctx, session)
	props := map[string]dbus.Variant{
		ssLabelProp:     dbus.MakeVariant(label(account)),
		ssAttributeProp: dbus.MakeVariant(s.attrs(account)),
	}
	sec := ssSecret{Session: session, Value: secret, ContentType: "text/plain"}
	var item, prompt dbus.ObjectPath
	if err := s.call(ctx, coll, ssCollection+".CreateItem", props, sec, true).Store(&item, &prompt); err != nil {
		return fail("create item", err)
	}
	if prompt != noPrompt {
		s.call(ctx, prompt, "org.freedesktop.Secret.Prompt.Dismiss")
		return fmt.Errorf("keyring: secret service: %w: storing a secret asks for confirmation", store.ErrKeyringUnavailable)
	}
	return nil
}

// Delete removes the secrets of account.
func (s *SecretService) Delete(ctx context.Context, account string) error {
	items, err := s.search(ctx, account)
	if err != nil {
		return err
	}
	var errs []error
	for _, item := range items {
		var prompt dbus.ObjectPath
		if err := s.call(ctx, item, ssItem+".Delete").Store(&prompt); err != nil {
			errs = append(errs, fail("delete", err))
		} else if prompt != noPrompt {
			s.call(ctx, prompt, "org.freedesktop.Secret.Prompt.Dismiss")
			errs = append(errs, fmt.Errorf("keyring: secret service: %w: deleting a secret asks for confirmation", store.ErrKeyringUnavailable))
		}
	}
	return errors.Join(errs...)
}

var _ store.Keyring = (*SecretService)(nil)
