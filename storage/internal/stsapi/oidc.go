package stsapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/session"
	"github.com/koss-io/koss/storage/internal/workloadid"
)

// Bounds of AssumeRoleWithOIDC's token, as Alibaba STS has them.
const (
	minTokenLen = 4
	maxTokenLen = 20000
	// defaultOIDCSessionName is the RoleSessionName when a client sends
	// none (credentials-go always sends one; some clients do not).
	defaultOIDCSessionName = "oidc-session"
)

// assumeRoleWithOIDCResponse is STS's answer to AssumeRoleWithOIDC.
type assumeRoleWithOIDCResponse struct {
	RequestID       string          `json:"RequestId"`
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser"`
	Credentials     credentials     `json:"Credentials"`
	OIDCTokenInfo   oidcTokenInfo   `json:"OIDCTokenInfo"`
}

type oidcTokenInfo struct {
	Subject   string `json:"Subject"`
	Issuer    string `json:"Issuer"`
	ClientIDs string `json:"ClientIds"`
}

// oidcErrors maps workloadid's errors to STS's answers.
var oidcErrors = []struct {
	err     error
	status  int
	code    string
	message string
}{
	{workloadid.ErrNoProvider, http.StatusNotFound, "EntityNotExist.OIDCProvider", "The specified OIDC provider does not exist."},
	{workloadid.ErrNoRole, http.StatusNotFound, "EntityNotExist.Role", "The specified Role does not exist."},
	{workloadid.ErrMalformedToken, http.StatusBadRequest, "InvalidParameter.OIDCToken", "The parameter OIDCToken is not a signed JWT."},
	{workloadid.ErrInvalidToken, http.StatusForbidden, "AuthenticationFail.OIDCToken.Invalid", "The OIDC token is invalid: its signature does not verify with the provider's keys."},
	{workloadid.ErrTokenExpired, http.StatusForbidden, "AuthenticationFail.OIDCToken.Expired", "The OIDC token has expired."},
	{workloadid.ErrIssuerMismatch, http.StatusForbidden, "AuthenticationFail.OIDCToken.IssuerNotMatch", "The issuer of the OIDC token does not match the provider."},
	{workloadid.ErrAudienceMismatch, http.StatusForbidden, "AuthenticationFail.OIDCToken.ClientIdNotMatch", "The audience of the OIDC token is not a client ID of the provider."},
	{workloadid.ErrNotTrusted, http.StatusForbidden, "AuthenticationFail.NoPermission", "The subject of the OIDC token may not assume the role."},
}

// assumeRoleWithOIDC exchanges a token of a trusted issuer for temporary
// credentials of the role's access key. The call is anonymous: the token
// is the proof.
func (h *Handler) assumeRoleWithOIDC(ctx context.Context, p url.Values, requestID string) (any, error) {
	providerArn, roleArn, token := p.Get("OIDCProviderArn"), p.Get("RoleArn"), p.Get("OIDCToken")
	switch {
	case providerArn == "":
		return nil, fail(http.StatusBadRequest, "MissingParameter.OIDCProviderArn", "The parameter OIDCProviderArn is required.")
	case roleArn == "":
		return nil, fail(http.StatusBadRequest, "MissingParameter.RoleArn", "The parameter RoleArn is required.")
	case token == "":
		return nil, fail(http.StatusBadRequest, "MissingParameter.OIDCToken", "The parameter OIDCToken is required.")
	case len(token) < minTokenLen || len(token) > maxTokenLen:
		return nil, fail(http.StatusBadRequest, "InvalidParameter.OIDCToken", "The parameter OIDCToken must be 4 to 20000 characters long.")
	}
	name := p.Get("RoleSessionName")
	if name == "" {
		name = defaultOIDCSessionName
	}
	if !sessionName.MatchString(name) {
		return nil, fail(http.StatusBadRequest, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
	}
	duration, err := durationParam(p)
	if err != nil {
		return nil, err
	}
	now := h.now()
	grant, err := h.trust.Exchange(providerArn, roleArn, token, now)
	if err != nil {
		for _, m := range oidcErrors {
			if errors.Is(err, m.err) {
				// The reason goes to the debug log (it names no token part);
				// the answer is STS's fixed message.
				h.log.Debug("AssumeRoleWithOIDC refused", "role", roleArn, "reason", err)
				return nil, fail(m.status, m.code, "%s", m.message)
			}
		}
		return nil, err
	}
	// A role may bound its sessions below what the client asks for (the
	// operator bounds them by the key's rotation overlap): the session is
	// cut down rather than refused, since credentials-go asks for an hour
	// unless told otherwise.
	if grant.MaxSession >= session.MinDuration && duration > grant.MaxSession {
		duration = grant.MaxSession
	}
	parent, err := h.lookup.LookupKey(ctx, grant.AccessKeyID)
	if errors.Is(err, auth.ErrInvalidAccessKeyID) {
		// The operator published a role whose key is gone (deleted, or
		// not yet registered): the role cannot be assumed now.
		return nil, fail(http.StatusNotFound, "EntityNotExist.Role", "The specified Role does not exist.")
	}
	if err != nil {
		return nil, err
	}
	out, err := h.issue(session.Request{ParentID: grant.AccessKeyID, ParentSecret: parent.Secret, Duration: duration, Name: name},
		p.Get("Policy"), roleArn, now)
	if err != nil {
		return nil, err
	}
	h.log.Info("Issued temporary credentials through AssumeRoleWithOIDC", "accessKeyId", out.sess.AccessKeyID, "parent", out.sess.Parent,
		"role", roleArn, "subject", grant.Subject, "session", name, "expiration", out.sess.Expiration())
	return assumeRoleWithOIDCResponse{
		RequestID: requestID, AssumedRoleUser: out.user, Credentials: out.creds,
		OIDCTokenInfo: oidcTokenInfo{Subject: grant.Subject, Issuer: grant.Issuer, ClientIDs: strings.Join(grant.Audience, ",")},
	}, nil
}
