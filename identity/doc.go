// Package identity turns an HTTPS request into a verified caller: who is
// asking is proven by the request, never declared in it.
//
// Two proofs are accepted:
//
//   - A TLS client certificate in the style of the Estonian ID card (TLS 1.3,
//     RFC 8446): the chain MUST verify against the configured CA bundle at
//     the moment of the request, the certificate MUST NOT be revoked in the
//     configured CRL (RFC 5280 §5; the file is re-read when it changes), and
//     the person is the subject's serialNumber in ETSI EN 319 412-1 §5.1.3
//     semantics, "PNOEE-<isikukood>", with a valid isikukood.
//   - A CDS Hooks 2.0 bearer token (CDS Hooks 2.0 §"Trusting CDS Clients";
//     RFC 7519): a JWT signed by a key in the JWKS of a registered client,
//     with that client as iss, this service as aud, an exp at most five
//     minutes ahead and a jti never seen before. The practitioner is the
//     hook's context.userId ("Practitioner/<id>").
//
// The role is looked up, never taken from the request: a person whose
// isikukood belongs to a practitioner holding a licence in force in the
// register of health professionals acts as a Professional (with that
// register id and licence); anyone else acts as themself (Patient). Whether
// the caller may then see anything is decided by package access, not here.
package identity
