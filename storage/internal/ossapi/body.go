package ossapi

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/ossapi/ossbody"
)

// uploadBody prepares the body of a PutObject, AppendObject or UploadPart
// for the engine (ossbody.Prepare).
func (h *Handler) uploadBody(r *http.Request, st *reqState) (ossbody.Body, error) {
	return ossbody.Prepare(r, st.payload(r.Body), st.payloadWrap != nil, h.spoolDir)
}

// readXMLBody reads a small XML request body whole, under the handler's
// cap (ossbody.ReadXML).
func (h *Handler) readXMLBody(r *http.Request, st *reqState) ([]byte, error) {
	return ossbody.ReadXML(r, st.payload(r.Body), h.maxXML)
}
