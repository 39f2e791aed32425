// Package postpolicy parses the policy document of an S3 POST Object form
// (browser upload) and matches its conditions against the form's fields.
//
// It is its own package because this is pure format code: a base64 JSON
// document, its expiration, its eq / starts-with / content-length-range
// conditions and the rule that every field must be named by one, with no
// signatures, keys or HTTP in it. Package awsauth checks the signature over
// the document, then uses Parse and Policy.Match, and turns an *Error into
// its InvalidPolicyDocument error and a failed condition or extra field
// into "Invalid according to Policy" (AccessDenied).
package postpolicy
