package jsonapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Call is the client side of these APIs: it sends in as JSON (when not nil)
// with an optional bearer token, decodes a 2xx answer into out (when not
// nil), and turns any other answer into a *Problem carrying the server's
// status and detail.
func Call(ctx context.Context, hc *http.Client, method, url, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 10*MaxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var p struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(raw, &p) != nil || p.Detail == "" {
			p.Title, p.Detail = http.StatusText(resp.StatusCode), fmt.Sprintf("%s %s answered %s", method, url, resp.Status)
		}
		return &Problem{Status: resp.StatusCode, Title: p.Title, Detail: p.Detail, Header: resp.Header, Extensions: extensions(raw)}
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, url, err)
	}
	return nil
}

// extensions are a problem's members beyond the standard ones, or nil.
func extensions(raw []byte) map[string]any {
	var all map[string]any
	if json.Unmarshal(raw, &all) != nil {
		return nil
	}
	for _, std := range []string{"type", "title", "status", "detail", "instance"} {
		delete(all, std)
	}
	if len(all) == 0 {
		return nil
	}
	return all
}
