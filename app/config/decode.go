package config

import (
	"encoding/json"
	"fmt"
	"time"
)

// typeError is a known key whose value has the wrong type.
type typeError struct {
	Key, Want string
}

func (e *typeError) Error() string { return fmt.Sprintf("key %q: want %s", e.Key, e.Want) }

// decode reads the known keys of a tree into a Config, and the "locked" list. Unknown keys are
// ignored here (the tree keeps them); null is the same as absent.
func decode(t tree) (Config, []string, error) {
	var c Config
	if v, ok := t[KeyOperator]; ok && v != nil {
		if _, ok := v.(tree); !ok {
			return c, nil, &typeError{KeyOperator, "an object"}
		}
	}
	var err error
	str := func(key string, dst *string) {
		if err != nil {
			return
		}
		if v, ok := lookup(t, key); ok && v != nil {
			s, ok := v.(string)
			if !ok {
				err = &typeError{key, "a string"}
			}
			*dst = s
		}
	}
	flag := func(key string, dst *bool) {
		if err != nil {
			return
		}
		if v, ok := lookup(t, key); ok && v != nil {
			b, ok := v.(bool)
			if !ok {
				err = &typeError{key, "true or false"}
			}
			*dst = b
		}
	}
	list := func(key string, dst *[]string) {
		if err != nil {
			return
		}
		if v, ok := lookup(t, key); ok && v != nil {
			l, ok := asList(v)
			if !ok {
				err = &typeError{key, "a list of strings"}
			}
			*dst = listValue(l)
		}
	}
	o := &c.Operator
	str(KeyDomain, &o.Domain)
	str(KeyIMAP, &o.IMAP)
	str(KeySubmission, &o.Submission)
	flag(KeyIMAPImplicitTLS, &o.IMAPImplicitTLS)
	flag(KeySubmissionImplicitTLS, &o.SubmissionImplicitTLS)
	str(KeyServerName, &o.ServerName)
	list(KeyTrustStore, &o.TrustStore)
	str(KeyAPI, &o.API)
	str(KeyPSC, &o.PSC)
	list(KeyHosts, &o.Hosts)
	str(KeyModule, &c.Module)
	str(KeyLanguage, &c.Language)
	str(KeyTheme, &c.Theme)
	str(KeyTextSize, &c.TextSize)
	str(KeyPSCNationalID, &c.PSCNationalID)
	var locked []string
	list(KeyLocked, &locked)
	if err != nil {
		return Config{}, nil, err
	}
	if v, ok := t[KeyAutoLock]; ok && v != nil {
		d, ok := asDuration(v)
		if !ok {
			return Config{}, nil, &typeError{KeyAutoLock, `a duration in nanoseconds or a string such as "10m"`}
		}
		c.AutoLock = d
	}
	return c, locked, nil
}

// asList accepts a list of strings, or one string.
func asList(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// asDuration accepts a whole number of nanoseconds (time.Duration's JSON, what earlier versions
// wrote) or a Go duration string ("10m").
func asDuration(v any) (time.Duration, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		return time.Duration(n), err == nil
	case string:
		d, err := time.ParseDuration(v)
		return d, err == nil
	}
	return 0, false
}
