package awssim

import (
	"encoding/base64"
	"sort"
)

// pageByKey returns up to limit items following the one whose key token
// names, and the token of the next page ("" on the last page). items must be
// sorted by key. Tokens name the last key served rather than an offset, so
// items added or removed between pages shift nothing. ok is false for a
// token this function did not make. ECR, CloudWatch Logs, SSM and S3 page
// with it, each wrapping tokens and errors in its own words.
func pageByKey[T any](items []T, key func(T) string, token string, limit int) (page []T, next string, ok bool) {
	start := 0
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", false
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > string(after) })
	}
	end := len(items)
	if limit > 0 && start+limit < end {
		end = start + limit
	}
	page = items[start:end]
	if end < len(items) && end > start {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return page, next, true
}

// ecrPageSize is the page size ECR's list calls use: maxResults, or 100.
func ecrPageSize(maxResults int) int {
	if maxResults <= 0 {
		return 100
	}
	return min(maxResults, 1000)
}

func ecrInvalidToken() *APIError {
	return ecrInvalid("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'")
}

// withNextToken adds "nextToken" to a JSON answer when there is a next page.
func withNextToken(out map[string]any, next string) map[string]any {
	if next != "" {
		out["nextToken"] = next
	}
	return out
}
