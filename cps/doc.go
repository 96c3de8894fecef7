// Package cps talks to the CPS card (carte de professionnel de santé) through PKCS#11.
package cps
