package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"

	"comptoir/store"
)

// Keychain keeps secrets as generic passwords of the user's default (login) Keychain,
// through /usr/bin/security, which needs no cgo. The secret is written to the tool's
// standard input in its interactive mode, never in its arguments (visible to every
// process). Items it creates are readable by that tool without a prompt, hence by any
// process of the user: the same reach as the Secret Service and DPAPI (the threat model
// assumes it). Accounts and services are restricted (store.ValidAccount) so that they
// need no quoting on that command line.
type Keychain struct {
	// Service names the items ("" means Service).
	Service string
	// Security is the tool's path ("" means /usr/bin/security).
	Security string
}

// errSecItemNotFound is security's exit status when no item matches.
const errSecItemNotFound = 44

func (k *Keychain) tool() string {
	if k.Security == "" {
		return "/usr/bin/security"
	}
	return k.Security
}

func (k *Keychain) service() string {
	if k.Service == "" {
		return Service
	}
	return k.Service
}

func (k *Keychain) check(account string) error {
	if !store.ValidAccount(account) || !store.ValidAccount(k.service()) {
		return fmt.Errorf("keyring: keychain: invalid service %q or account %q", k.service(), account)
	}
	return nil
}

func (k *Keychain) run(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, k.tool(), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == errSecItemNotFound {
		return nil, store.ErrSecretNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: security %s: %w (%s)", store.ErrKeyringUnavailable, args[0], err, bytes.TrimSpace(errOut.Bytes()))
	}
	return out.Bytes(), nil
}

// Get returns the secret of account.
func (k *Keychain) Get(ctx context.Context, account string) ([]byte, error) {
	if err := k.check(account); err != nil {
		return nil, err
	}
	out, err := k.run(ctx, nil, "find-generic-password", "-s", k.service(), "-a", account, "-w")
	if err != nil {
		return nil, fmt.Errorf("keyring: keychain: %s: %w", account, err)
	}
	return bytes.TrimRight(out, "\n"), nil
}

// Set stores or replaces the secret of account.
func (k *Keychain) Set(ctx context.Context, account string, secret []byte) error {
	if err := k.check(account); err != nil {
		return err
	}
	for _, c := range secret {
		if c <= ' ' || c > '~' || c == '"' || c == '\'' || c == '\\' {
			return fmt.Errorf("keyring: keychain: the secret must be printable ASCII without quotes")
		}
	}
	line := fmt.Appendf(nil, "add-generic-password -U -s %s -a %s -w %s\n", k.service(), account, secret)
	defer clear(line)
	if _, err := k.run(ctx, line, "-i"); err != nil {
		return fmt.Errorf("keyring: keychain: %s: %w", account, err)
	}
	// The interactive mode does not report a failed command in its exit status: read back.
	got, err := k.Get(ctx, account)
	defer clear(got)
	if err != nil || !bytes.Equal(got, secret) {
		return fmt.Errorf("keyring: keychain: %w: the secret of %s was not stored (%v)", store.ErrKeyringUnavailable, account, err)
	}
	return nil
}

// Delete removes the secret of account.
func (k *Keychain) Delete(ctx context.Context, account string) error {
	if err := k.check(account); err != nil {
		return err
	}
	_, err := k.run(ctx, nil, "delete-generic-password", "-s", k.service(), "-a", account)
	if err != nil && !errors.Is(err, store.ErrSecretNotFound) {
		return fmt.Errorf("keyring: keychain: %s: %w", account, err)
	}
	return nil
}

var _ store.Keyring = (*Keychain)(nil)
