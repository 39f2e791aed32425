package checksum

import "strconv"

// Composite is the checksum S3 reports for a multipart object whose parts
// were uploaded with checksums of algorithm a (checksum type COMPOSITE): the
// checksum of the concatenated raw part sums, in part order, followed by "-"
// and the number of parts. Clients recognise the "-" and do not check a
// downloaded body against it.
func Composite(a Algorithm, partSums [][]byte) string {
	h := a.New()
	for _, s := range partSums {
		h.Write(s)
	}
	return a.Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(partSums))
}
