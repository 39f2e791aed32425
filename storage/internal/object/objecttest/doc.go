// Package objecttest is the conformance suite of object.Layer and
// object.KeyStore: every implementation (the single-node Store today, the
// replicated one next) must pass it unchanged.
package objecttest
