// Package annuaire imports and searches the Annuaire Santé MSSanté extraction.
package annuaire
