package main

import (
	"context"
	"sync"

	"comptoir/store"
	"comptoir/store/keyring"
)

// osKeyring is the OS keyring (store/keyring.Default), opened at its first use — a card
// login that enrols, an e-CPS login — not at launch: the window never waits on the session
// bus, and a keyring that comes up after the launch is found. A failed opening is tried
// again at the next use.
type osKeyring struct {
	open func() (keyring.Closer, error)

	mu sync.Mutex
	kr keyring.Closer
}

func newOSKeyring() *osKeyring { return &osKeyring{open: keyring.Default} }

func (k *osKeyring) get() (store.Keyring, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kr == nil {
		kr, err := k.open()
		if err != nil {
			return nil, err // wraps store.ErrKeyringUnavailable
		}
		k.kr = kr
	}
	return k.kr, nil
}

func (k *osKeyring) Get(ctx context.Context, account string) ([]byte, error) {
	kr, err := k.get()
	if err != nil {
		return nil, err
	}
	return kr.Get(ctx, account)
}

func (k *osKeyring) Set(ctx context.Context, account string, secret []byte) error {
	kr, err := k.get()
	if err != nil {
		return err
	}
	return kr.Set(ctx, account, secret)
}

func (k *osKeyring) Delete(ctx context.Context, account string) error {
	kr, err := k.get()
	if err != nil {
		return err
	}
	return kr.Delete(ctx, account)
}

// Close releases the keyring if it was opened.
func (k *osKeyring) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kr == nil {
		return nil
	}
	err := k.kr.Close()
	k.kr = nil
	return err
}
