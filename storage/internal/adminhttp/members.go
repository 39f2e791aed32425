package adminhttp

import (
	"context"
	"net"
	"net/http"

	"github.com/koss-io/koss/storage/adminapi"
)

// validMemberID accepts node ids with the character set of key ids.
func validMemberID(id string) bool { return adminapi.ValidAccessKeyID(id) }

func (h *Handler) addMember(ctx context.Context, w http.ResponseWriter, _ *http.Request, body []byte) error {
	var req adminapi.AddMemberRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	if !validMemberID(req.ID) {
		return badRequest("id must be 1-128 characters of [A-Za-z0-9._-]")
	}
	if host, port, err := net.SplitHostPort(req.PeerAddress); err != nil || host == "" || port == "" {
		return badRequest("peerAddress must be host:port")
	}
	h.log.Info("Adding cluster member", "member", req.ID, "peerAddress", req.PeerAddress)
	if err := h.members.AddMember(ctx, req.ID, req.PeerAddress); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

func (h *Handler) removeMember(ctx context.Context, w http.ResponseWriter, r *http.Request, _ []byte) error {
	id := r.PathValue("id")
	if !validMemberID(id) {
		return badRequest("invalid member id")
	}
	h.log.Info("Removing cluster member", "member", id)
	if err := h.members.RemoveMember(ctx, id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

func (h *Handler) drainMember(ctx context.Context, w http.ResponseWriter, r *http.Request, _ []byte) error {
	id := r.PathValue("id")
	if !validMemberID(id) {
		return badRequest("invalid member id")
	}
	n, err := h.members.DrainMember(ctx, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, adminapi.DrainResult{Remaining: n})
}
