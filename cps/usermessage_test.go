package cps

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestUserMessageEveryState(t *testing.T) {
	cases := []struct {
		err  error
		id   string
		want string
	}{
		{&PINError{Err: ErrPINLocked}, MsgPINLocked, "bloquée"},
		{&PINError{Err: ErrPINIncorrect, State: PINState{Locked: true}}, MsgPINLocked, "bloquée"},
		{&PINError{Err: ErrPINIncorrect, State: PINState{FinalTry: true}}, MsgPINFinalTry, "dernier essai"},
		{&PINError{Err: ErrPINIncorrect, State: PINState{CountLow: true}}, MsgPINCountLow, "peu d'essais"},
		{fmt.Errorf("login: %w", ErrPINIncorrect), MsgPINIncorrect, "incorrect"},
		{fmt.Errorf("sign: %w", ErrCardRemoved), MsgCardRemoved, "retirée"},
		{ErrNoCard, MsgNoCard, "insérez"},
		{&ModuleNotFoundError{Tried: []string{"/a.so", "/b.so"}}, MsgModuleNotFound, "/a.so, /b.so"},
		{ErrObjectNotFound, MsgNoCertificate, "certificat"},
		{ErrMechanism, MsgMechanism, "CPS3"},
	}
	for _, c := range cases {
		if got := MessageID(c.err); got != c.id {
			t.Errorf("MessageID(%v) = %q, want %q", c.err, got, c.id)
		}
		m := UserMessage(c.err)
		if !strings.Contains(m, c.want) {
			t.Errorf("UserMessage(%v) = %q, want it to contain %q", c.err, m, c.want)
		}
	}
	if UserMessage(errors.New("other")) != "" || MessageID(nil) != "" {
		t.Error("an error of another package must give no message")
	}
}
