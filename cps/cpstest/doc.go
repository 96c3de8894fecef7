// Package cpstest provides a test IGC-Santé PKI and test CPS cards on SoftHSM2, for tests,
// demo mode and the sandbox operator. Production code never imports it.
//
// The PKI (NewPKI) mirrors the IGC-Santé hierarchy with the "TEST" names: a root
// "TEST AC RACINE IGC-SANTE ELEMENTAIRE" and two intermediates, "… PERSONNES" (cards) and
// "… ORGANISATIONS" (servers and software certificates). It is saved as PEM files in its
// directory and loaded from there on the next run, so a sandbox keeps its trust anchors
// across restarts. Generated RSA keys are cached in the same directory.
//
// The cards (NewCards) are SoftHSM2 tokens in a private token directory, one per fixture
// (Titulaire, Preparateur, Medecin, PharmacienCPS3), carrying the objects of a real CPS:
// the authentication and signature pairs with their CPS labels and the CPS_* data objects.
// Faults wraps the real module to produce the states SoftHSM cannot: a PIN locked after
// three wrong tries, a card pulled out (also in the middle of a signature), and a token
// without RSA-PSS (CPS3).
package cpstest
