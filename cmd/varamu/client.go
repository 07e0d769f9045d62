package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/varamu/varamu/identity"
)

// serverClient is how a command that acts as a professional or a patient
// reaches `varamu serve`: over HTTPS with the person's ID-card style client
// certificate, so that the server, not the command line, proves who asks.
type serverClient struct {
	URL, Cert, Key, CA string
}

// addFlags adds --server, --cert, --key and --ca.
func (c *serverClient) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&c.URL, "server", "", "URL of varamu serve (https://HOST:PORT)")
	fl.StringVar(&c.Cert, "cert", "", "your client certificate (PEM; 'varamu dev-ca' writes NAME.pem)")
	fl.StringVar(&c.Key, "key", "", "its private key (PEM)")
	fl.StringVar(&c.CA, "ca", "", "CA bundle that signed the server's certificate (PEM)")
}

// errServerFlags is returned when the client flags are incomplete.
var errServerFlags = errors.New("--server, --cert, --key and --ca are required: this command asks varamu serve with your certificate")

// get sends GET path (query parameters q, extra headers hdr) and returns
// the body of a 200 answer; any other status is an error with the
// server's message.
func (c *serverClient) get(ctx context.Context, path string, q url.Values, hdr http.Header) ([]byte, error) {
	if c.URL == "" || c.Cert == "" || c.Key == "" || c.CA == "" {
		return nil, errServerFlags
	}
	tc, err := identity.ClientTLS(c.Cert, c.Key, c.CA)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: tc}}
	u := strings.TrimSuffix(c.URL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", path, resp.StatusCode, serverMessage(body))
	}
	return body, nil
}

// serverMessage is the message of an error body: the JSON error, or the
// first issue's diagnostics of a FHIR OperationOutcome.
func serverMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
		Issue []struct {
			Diagnostics string `json:"diagnostics"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Error != "" {
			return e.Error
		}
		if len(e.Issue) > 0 {
			return e.Issue[0].Diagnostics
		}
	}
	return strings.TrimSpace(string(body))
}
