// Package operator is the client of the MSSanté operator provisioning API.
package operator
