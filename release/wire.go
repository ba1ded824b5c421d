package release

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// wireJSON returns the JSON body the SDK would send to RegisterTaskDefinition
// for in, indented with sorted keys: the request as ECS sees it, in ECS's own
// field names. The SDK's serializer does the work (through an HTTP client
// that captures the request and sends nothing), so fields a newer SDK knows
// appear without a change here.
func wireJSON(in *ecs.RegisterTaskDefinitionInput) (string, error) {
	var body []byte
	capture := httpDoer(func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		body = b
		return nil, errCaptured
	})
	client := ecs.New(ecs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://capture.invalid"),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   capture,
		Retryer:      aws.NopRetryer{},
	})
	_, err := client.RegisterTaskDefinition(context.Background(), in)
	if body == nil {
		return "", fmt.Errorf("serialize task definition: %w", err)
	}
	return indentJSON(body)
}

var errCaptured = errors.New("captured")

type httpDoer func(*http.Request) (*http.Response, error)

func (f httpDoer) Do(r *http.Request) (*http.Response, error) { return f(r) }

// maskedJSON is wireJSON with the values of environment variables whose
// names suggest a secret (…TOKEN, …PASSWORD, …) replaced by their length,
// for printing (the --dry-run diff). Real secrets belong in "secrets", whose
// values are ARNs, not in "environment"; this guards the CI log anyway.
func maskedJSON(in *ecs.RegisterTaskDefinitionInput) (string, error) {
	s, err := wireJSON(in)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("decode JSON: %w", err)
	}
	cds, _ := v["containerDefinitions"].([]any)
	for _, cd := range cds {
		cd, _ := cd.(map[string]any)
		env, _ := cd["environment"].([]any)
		for _, kv := range env {
			kv, _ := kv.(map[string]any)
			name, _ := kv["name"].(string)
			if val, ok := kv["value"].(string); ok && sensitiveName(name) {
				kv["value"] = fmt.Sprintf("(sensitive, %d characters)", len(val))
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode JSON: %w", err)
	}
	return indentJSON(b)
}

// sensitiveName reports whether an environment variable's name suggests a
// secret (the same rule as the batch diff's).
func sensitiveName(name string) bool {
	n := strings.ToUpper(name)
	for _, s := range []string{"SECRET", "PASSWORD", "PASSWD", "TOKEN", "PRIVATE", "CREDENTIAL", "API_KEY", "APIKEY", "ACCESS_KEY"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// indentJSON re-encodes JSON with sorted keys and two-space indentation,
// keeping numbers as written.
func indentJSON(b []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("decode JSON: %w", err)
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode JSON: %w", err)
	}
	return sb.String(), nil
}
