// Package osserr is the one translation of the OSS edge: the object
// layer's, auth's and the request bodies' errors to the OSS errors
// (package osswire) that package ossapi sends, with the details OSS adds
// to them: the bucket or key they are about (Bucket, Object), the next
// append position, what a client needs to debug its signing (From).
//
// It is its own package because the table is pure data about errors,
// shared by every handler of ossapi and by its helper packages, and is
// tested and read on its own, apart from HTTP handling.
package osserr
