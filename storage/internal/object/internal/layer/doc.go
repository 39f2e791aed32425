// Package layer defines the object layer's contract: the Layer and
// KeyStore interfaces, the values they take and return, their sentinel
// errors, names and limits, and the values' record forms.
//
// Package object re-exports every name here under the same name (aliases,
// wrappers), so that its importers keep writing object.Layer and
// object.ObjectInfo and see one contract; this package exists so that the
// object layer's own subpackages (multipart) can speak it without
// importing object, which imports them. See package object for how the
// Store implements it.
//
// It may depend on the standard library, storage/internal/meta/record and
// object/bucketconfig only.
package layer
