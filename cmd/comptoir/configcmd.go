package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"comptoir/app/config"
)

// machineSetting is one value of the workstation's configuration that the installer (an MSI
// property, read back from the registry) or a flag can set.
type machineSetting struct {
	prop, flag, usage string
	set               func(c *config.Config, v string)
}

// machineSettings are the installer's properties, in the README's order. Lists are separated
// by ";" (trust store: paths may hold commas) or by "," and ";" (host names).
var machineSettings = []machineSetting{
	{"OPERATOR_DOMAIN", "domain", "domaine de messagerie de l'opérateur (operator.domain)",
		func(c *config.Config, v string) { c.Operator.Domain = v }},
	{"OPERATOR_IMAP", "imap", "serveur IMAP, hôte:port (operator.imap)",
		func(c *config.Config, v string) { c.Operator.IMAP = v }},
	{"OPERATOR_SUBMISSION", "submission", "serveur SMTP de soumission, hôte:port (operator.submission)",
		func(c *config.Config, v string) { c.Operator.Submission = v }},
	{"OPERATOR_API", "api", "adresse de l'API de l'opérateur (operator.api)",
		func(c *config.Config, v string) { c.Operator.API = v }},
	{"OPERATOR_PSC", "psc", "serveur Pro Santé Connect de l'opérateur (operator.psc)",
		func(c *config.Config, v string) { c.Operator.PSC = v }},
	{"OPERATOR_HOSTS", "hosts", "serveurs de l'opérateur, séparés par des virgules (operator.hosts)",
		func(c *config.Config, v string) { c.Operator.Hosts = splitList(v, ",;") }},
	{"TRUST_STORE", "trust-store", "magasin de confiance IGC-Santé : fichiers ou dossiers séparés par « ; » (operator.trust_store)",
		func(c *config.Config, v string) { c.Operator.TrustStore = splitList(v, ";") }},
	{"PKCS11_MODULE", "pkcs11-module", "chemin du module de la carte CPS (pkcs11_module)",
		func(c *config.Config, v string) { c.Module = v }},
}

// lockedProp is the installer's property naming the locked keys (comma-separated).
const lockedProp = "LOCKED"

// installerKey is where the MSI leaves its properties (HKLM, 64-bit view) for --from-registry.
const installerKey = `SOFTWARE\Comptoir\Installation`

// runConfig is the hidden "config" command. "comptoir config machine" writes the workstation's
// configuration (config.MachinePath()): the Windows installer runs it with --from-registry, IT
// may run it with flags (as root on Linux and macOS). Values not given are left as they are.
func runConfig(_ context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "machine" {
		return fmt.Errorf("%w: comptoir config machine [options]", errUsage)
	}
	fs := flag.NewFlagSet("config machine", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	file := fs.String("file", config.MachinePath(), "fichier de configuration du poste")
	fromRegistry := fs.Bool("from-registry", false, `Windows : prend les valeurs laissées par l'installateur (HKLM\`+installerKey+`)`)
	values := make([]*string, len(machineSettings))
	for i, s := range machineSettings {
		values[i] = fs.String(s.flag, "", s.usage)
	}
	locked := fs.String("locked", "", "clés que l'utilisateur ne peut pas changer, séparées par des virgules (ex. operator,pkcs11_module)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: argument inattendu « %s »", errUsage, fs.Arg(0))
	}
	given := map[string]string{}
	if *fromRegistry {
		reg, err := installerValues()
		if err != nil {
			return fmt.Errorf("valeurs de l'installateur illisibles : %w", err)
		}
		given = reg
	}
	for i, s := range machineSettings {
		if v := strings.TrimSpace(*values[i]); v != "" {
			given[s.prop] = v
		}
	}
	if v := strings.TrimSpace(*locked); v != "" {
		given[lockedProp] = v
	}
	var c config.Config
	for _, s := range machineSettings {
		if v := strings.TrimSpace(given[s.prop]); v != "" {
			s.set(&c, v)
		}
	}
	var lockList []string
	if v := strings.TrimSpace(given[lockedProp]); v != "" {
		lockList = splitList(v, ",;")
	}
	changed, err := config.SetMachine(*file, c, lockList)
	if err != nil {
		if msg := config.UserMessage(err); msg != "" {
			return fmt.Errorf("%s (%w)", msg, err)
		}
		return err
	}
	if !changed {
		fmt.Fprintf(env.stdout, "Aucune valeur donnée : %s est inchangé.\n", *file)
		return nil
	}
	fmt.Fprintf(env.stdout, "Configuration du poste enregistrée dans %s\n", *file)
	return nil
}

// splitList splits v on any of seps, dropping blanks.
func splitList(v, seps string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
