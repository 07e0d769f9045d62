package research

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/varamu/varamu/identity"
	study "github.com/varamu/varamu/research"
)

// ErrServer is wrapped by the error of a request the server refused or
// could not answer; the error carries its status and message.
var ErrServer = errors.New("research: the server refused the request")

// ClientConfig says where the research API is and who asks.
type ClientConfig struct {
	// URL is the server, as `varamu serve` prints it (required).
	URL string
	// CA is the PEM bundle the server's certificate must chain to
	// (required).
	CA string
	// Cert and Key are the researcher's client certificate and key, PEM
	// (required).
	Cert, Key string
	// Timeout bounds one request (0: 5 minutes).
	Timeout time.Duration
}

// Client calls the research API with a researcher's certificate.
type Client struct {
	base string
	http *http.Client
}

// NewClient checks cfg and loads the certificates.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.URL == "" || cfg.CA == "" || cfg.Cert == "" || cfg.Key == "" {
		return nil, errors.New("research: a client needs the server URL, the CA bundle, and a certificate and key")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("research: server %q: want https://HOST:PORT", cfg.URL)
	}
	tc, err := identity.ClientTLS(cfg.Cert, cfg.Key, cfg.CA)
	if err != nil {
		return nil, fmt.Errorf("research: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	tr := &http.Transport{TLSClientConfig: tc}
	return &Client{base: strings.TrimSuffix(cfg.URL, "/"), http: &http.Client{Transport: tr, Timeout: cfg.Timeout}}, nil
}

// do sends a request and returns the response of a 200; any other status
// is an error wrapping ErrServer with the server's message.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("research: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct {
		Error any `json:"error"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &e) == nil && e.Error != nil {
		switch v := e.Error.(type) {
		case string:
			msg = v
		case map[string]any:
			msg = fmt.Sprint(v["errorMessage"])
		}
	}
	return nil, fmt.Errorf("%w: %d %s: %s", ErrServer, resp.StatusCode, http.StatusText(resp.StatusCode), msg)
}

// Cohort posts a cohort definition (JSON) to project and returns the
// answer as the server wrote it (JSON).
func (c *Client) Cohort(ctx context.Context, project string, def []byte) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodPost, "/research/"+url.PathEscape(project)+"/cohorts", def)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// Extract writes one table of project's consented extract (Parquet) to w
// and returns the bytes written.
func (c *Client) Extract(ctx context.Context, project, table string, w io.Writer) (int64, error) {
	resp, err := c.do(ctx, http.MethodPost, "/research/"+url.PathEscape(project)+"/extract?table="+url.QueryEscape(table), nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(w, resp.Body)
}

// Beacon asks project's Beacon v2 g_variants about one allele (Pos
// 1-based, as VCF) at granularity "boolean" or "count", and returns the
// Beacon response (JSON).
func (c *Client) Beacon(ctx context.Context, project string, v study.Variant, granularity string) ([]byte, error) {
	q := url.Values{"referenceName": {v.Chrom}, "start": {strconv.FormatInt(v.Pos-1, 10)}, "referenceBases": {v.Ref},
		"alternateBases": {v.Alt}, "requestedGranularity": {granularity}}
	resp, err := c.do(ctx, http.MethodGet, "/research/"+url.PathEscape(project)+"/beacon/g_variants?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
